using System.Net;
using System.Net.Http.Json;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Ui;

public sealed class AdminPageTests(WebhooksApp app) : IClassFixture<WebhooksApp>
{
    [Fact]
    public async Task A_schema_that_does_not_compile_is_shown_beside_the_schema_box_and_a_good_one_is_registered()
    {
        var browser = await Browser.SignedIn(app);
        var name = Api.UniqueName("ui");
        var form = await browser.Open("/event-types/new");
        var bad = await browser.Submit(form, "create", new() { ["Form.Name"] = name, ["Form.Schema"] = """{"type": "object", "properties": {"a": {"$ref": "http://example.com/x.json"}}}""" });
        Assert.Equal("schema-error", bad.QuerySelector("#schema + .field-error, .field-error#schema-error")?.Id);
        Assert.Contains("remote reference", bad.QuerySelector("#schema-error")!.TextContent);

        var notJson = await browser.Submit(bad, "create", new() { ["Form.Name"] = name, ["Form.Schema"] = "{ not json" });
        Assert.Contains("not valid JSON", notJson.QuerySelector("#schema-error")!.TextContent);

        var badExample = await browser.Submit(notJson, "create", new() { ["Form.Name"] = name, ["Form.Schema"] = """{"type":"object","required":["id"]}""", ["Form.Example"] = "{}" });
        Assert.Contains("'id' is required", badExample.QuerySelector("#example-error")!.TextContent);

        var created = await browser.Submit(badExample, "create", new() { ["Form.Name"] = name, ["Form.Schema"] = """{"type":"object","required":["id"]}""", ["Form.Example"] = """{"id":"1"}""" });
        Assert.Contains(name, created.QuerySelector("h1")!.TextContent);
        Assert.Contains("registered", created.QuerySelector(".notice")!.TextContent);

        var updated = await browser.Submit(created, "update", new() { ["Form.Schema"] = """{"type":"object"}""", ["Form.Example"] = "" });
        Assert.Contains("version 2", updated.QuerySelector(".notice")!.TextContent);
        Assert.Equal(2, updated.QuerySelectorAll("details summary").Count(s => s.TextContent.StartsWith("v")));
        var list = await browser.Open("/event-types");
        Assert.Contains(list.QuerySelectorAll("td a"), a => a.TextContent == name);
    }

    [Fact]
    public async Task A_partner_key_is_shown_once_and_stops_working_when_revoked()
    {
        var browser = await Browser.SignedIn(app);
        var partners = await browser.Open("/partners");
        var partnerName = "Key Co " + Guid.NewGuid().ToString("N")[..4];
        var partner = await browser.Submit(partners, "create-partner", new() { ["Form.Name"] = partnerName });
        Assert.Equal(partnerName, partner.QuerySelector("h1")!.TextContent);

        var withKey = await browser.Submit(partner, "create-key", new() { ["KeyForm.Name"] = "production" });
        var key = withKey.QuerySelector("#new-key")!.TextContent;
        Assert.StartsWith("whk_", key);
        var reloaded = await browser.Open(new Uri(withKey.Url).PathAndQuery);
        Assert.Null(reloaded.QuerySelector("#new-key"));
        Assert.DoesNotContain(key, reloaded.Body!.InnerHtml);
        await app.Client(key).GetAsync("/api/v1/subscriptions").Expect(HttpStatusCode.OK);

        var revokeForm = reloaded.QuerySelector("input[name=_handler][value^='revoke-']")!.GetAttribute("value")!;
        await browser.Submit(reloaded, revokeForm);
        await app.Client(key).GetAsync("/api/v1/subscriptions").Expect(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_subscription_made_in_the_browser_shows_its_secret_once_and_readable_errors_before()
    {
        var type = await app.Client().CreateEventType();
        var partnerId = await app.Client().CreatePartner("Sub Co");
        var browser = await Browser.SignedIn(app);
        var form = await browser.Open($"/subscriptions/new?partnerId={partnerId}");
        Assert.Equal(partnerId.ToString(), form.QuerySelector("#partner option[selected]")!.GetAttribute("value"));

        var wrong = await browser.Submit(form, "create-subscription", new() { ["Form.Url"] = "ftp://example.com", ["Form.EventTypes"] = "no.such.type" });
        Assert.Contains("https://", wrong.QuerySelector("#url-error")!.TextContent);
        var unknown = await browser.Submit(wrong, "create-subscription", new() { ["Form.Url"] = "https://example.com/hook", ["Form.EventTypes"] = "no.such.type" });
        Assert.Contains("not a registered event type", unknown.QuerySelector("#types-error")!.TextContent);

        var created = await browser.Submit(unknown, "create-subscription", new() { ["Form.Url"] = "https://example.com/hook", ["Form.EventTypes"] = type + ", other.*", ["Form.Headers"] = "X-Team: billing" });
        Assert.StartsWith("whsec_", created.QuerySelector("#signing-secret")!.TextContent);
        var detail = await browser.Open(created.QuerySelector(".secret a")!.GetAttribute("href")!);
        Assert.Null(detail.QuerySelector("#signing-secret"));
        Assert.Contains("X-Team: [redacted]", detail.QuerySelector("#headers")!.TextContent); // header values are write-only

        var disabled = await browser.Submit(detail, "disable");
        Assert.Contains("Disabled by admin", disabled.Body!.TextContent);
        var enabled = await browser.Submit(disabled, "enable", button: "button[value=discard]");
        Assert.Contains("paused deliveries are discarded", enabled.QuerySelector(".notice")!.TextContent);
        var rotated = await browser.Submit(enabled, "rotate");
        Assert.StartsWith("whsec_", rotated.QuerySelector("#signing-secret")!.TextContent);
    }

    [Fact]
    public async Task The_dashboard_draws_the_last_day_and_the_stats_API_gives_the_same_numbers()
    {
        var type = await app.Client().CreateEventType();
        var partnerId = await app.Client().CreatePartner();
        await app.Client().CreateSubscription(partnerId, "https://example.com/dash", type);
        var eventId = await UiData.SendEvent(app, type);
        await UiData.KillDeliveries(app, eventId, 503);

        var stats = await app.Client().GetAsync("/api/v1/stats").Expect(HttpStatusCode.OK);
        Assert.True((long)stats["dead"]! >= 1);
        Assert.Equal(24, stats["lastDay"]!.AsArray().Count);
        Assert.Equal(0.0, (double)stats["successRate"]!); // every attempt in this class's database failed
        var slow = Assert.Single(stats["slowestEndpoints"]!.AsArray(), e => (string)e!["url"]! == "https://example.com/dash");
        Assert.Equal(42.0, (double)slow!["meanDurationMs"]!);
        await app.Client(apiKey: null).GetAsync("/api/v1/stats").Expect(HttpStatusCode.Unauthorized);

        var browser = await Browser.SignedIn(app);
        var dashboard = await browser.Open("/");
        Assert.NotNull(dashboard.QuerySelector("svg[role=img] title"));
        Assert.Equal(24, dashboard.QuerySelectorAll("svg rect.ok").Length);
        var deadTile = dashboard.QuerySelectorAll(".tiles div").First(d => d.TextContent.Contains("Dead"));
        Assert.Equal(((long)stats["dead"]!).ToString(), deadTile.QuerySelector("dd")!.TextContent.Trim());
    }

    [Fact]
    public async Task Events_are_found_by_id_and_type_and_show_their_payload_and_deliveries()
    {
        var type = await app.Client().CreateEventType();
        var partnerId = await app.Client().CreatePartner();
        await app.Client().CreateSubscription(partnerId, "https://example.com/events", type);
        var eventId = await UiData.SendEvent(app, type);
        var browser = await Browser.SignedIn(app);

        var byType = await browser.Open($"/events?type={type}");
        Assert.Single(byType.QuerySelectorAll("tbody tr"));
        var detail = await browser.Open($"/events?id={eventId}");
        Assert.Contains(eventId.ToString(), detail.QuerySelector("h1")!.TextContent);
        Assert.Contains("\"orderId\": \"o-1\"", detail.QuerySelector("pre.json")!.TextContent);
        Assert.Contains("pending", detail.QuerySelector("tbody .badge")!.TextContent);
        var none = await browser.Open($"/events?type={type}&since=2001-01-01T00:00&until=2001-01-02T00:00");
        Assert.NotNull(none.QuerySelector(".empty"));
    }

    [Fact]
    public async Task Long_lists_page_with_a_link_that_keeps_the_filters()
    {
        var type = await app.Client().CreateEventType();
        var events = Enumerable.Range(0, 27).Select(i => new { type, payload = new { orderId = "o-" + i, amount = i } }).ToArray();
        await app.Client().PostAsJsonAsync("/api/v1/events/batch", new { events }).Expect(HttpStatusCode.OK);
        var browser = await Browser.SignedIn(app);

        var first = await browser.Open($"/events?type={type}");
        Assert.Equal(25, first.QuerySelectorAll("tbody tr").Length);
        var next = first.QuerySelector("a[rel=next]")!.GetAttribute("href")!;
        Assert.Contains($"type={type}", next);
        var second = await browser.Open(next);
        Assert.Equal(2, second.QuerySelectorAll("tbody tr").Length);
        Assert.Null(second.QuerySelector("a[rel=next]"));
        Assert.Empty(first.QuerySelectorAll("tbody td:first-child").Select(td => td.TextContent).Intersect(second.QuerySelectorAll("tbody td:first-child").Select(td => td.TextContent)));
    }
}
