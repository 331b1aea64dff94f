using System.Net;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Ui;

/// <summary>What the pages promise beyond drawing themselves: the not-found page, 400 pages, sorting, search, outcomes.</summary>
public sealed class UiPageRulesTests(WebhooksApp app) : IClassFixture<WebhooksApp>
{
    [Fact]
    public async Task An_unknown_page_shows_the_UI_not_found_page_while_the_API_keeps_its_own_answer()
    {
        var browser = await Browser.SignedIn(app);
        foreach (var path in new[] { "/no/such/page", "/subscriptions/not-a-guid", "/deliveries/123" })
        {
            var page = await browser.Open(path);
            Assert.True(browser.LastStatus == HttpStatusCode.NotFound, $"{path}: {(int)browser.LastStatus} {browser.LastHtml}");
            Assert.True(page.QuerySelector("h1")?.TextContent == "Not found", browser.LastHtml);
            Assert.NotNull(page.QuerySelector("header.top nav")); // the UI's own layout, signed in
        }
        var api = await app.Client().GetAsync("/api/v1/no-such-thing");
        Assert.Equal(HttpStatusCode.NotFound, api.StatusCode);
        Assert.NotEqual("text/html", api.Content.Headers.ContentType?.MediaType);
    }

    [Theory]
    [InlineData("/deliveries?partnerId=not-a-guid", "partnerId")]
    [InlineData("/deliveries?after=forged-cursor", "after")]
    [InlineData("/deliveries?statusCode=abc", "statusCode")]
    [InlineData("/deliveries?status=exploded", "status")]
    [InlineData("/deliveries?since=yesterday-ish", "since")]
    [InlineData("/deliveries?sort=code&after=0193f0c2-7d1e-7c3a-9a53-5f2b2c9d1e0a", "after")]
    [InlineData("/dead-letters?subscriptionId=1%20OR%201=1", "subscriptionId")]
    [InlineData("/dead-letters?sort=sideways", "sort")]
    [InlineData("/events?partnerId=x", "partnerId")]
    [InlineData("/events?after=99999999999999999999", "after")]
    [InlineData("/subscriptions?partnerId=x", "partnerId")]
    [InlineData("/subscriptions?health=great", "health")]
    [InlineData("/subscriptions?sort=latency&after=12", "after")]
    [InlineData("/partners?after=%27", "after")]
    [InlineData("/event-types?archived=maybe", "archived")]
    public async Task A_bad_query_parameter_is_a_400_page_that_says_which(string path, string parameter)
    {
        var browser = await Browser.SignedIn(app);
        var page = await browser.Open(path);
        Assert.Equal(HttpStatusCode.BadRequest, browser.LastStatus);
        Assert.Contains(parameter, page.QuerySelector("#bad-query")!.TextContent);
        Assert.NotNull(page.QuerySelector("#bad-query a[href]"));
    }

    [Fact]
    public async Task Subscriptions_sort_by_failures_and_by_mean_time_and_page_in_that_order()
    {
        var type = await app.Client().CreateEventType();
        var partnerId = await app.Client().CreatePartner("Sorted " + Guid.NewGuid().ToString("N")[..4]);
        var ids = new List<Guid>();
        for (var i = 0; i < 3; i++)
            ids.Add(Guid.Parse((string)(await app.Client().CreateSubscription(partnerId, $"https://sort{i}.example.com/hook", type))["id"]!));
        await UiData.Execute(app, "UPDATE subscriptions SET failure_streak = $2 WHERE id = $1", ids[0], 7);
        await UiData.Execute(app, "UPDATE subscriptions SET failure_streak = $2 WHERE id = $1", ids[2], 2);
        var eventId = await UiData.SendEvent(app, type);
        await UiData.KillDeliveries(app, eventId); // one attempt of 42 ms each
        await UiData.Execute(app, "UPDATE attempts SET duration_ms = 900 WHERE delivery_id IN (SELECT id FROM deliveries WHERE subscription_id = $1)", ids[1]);

        var browser = await Browser.SignedIn(app);
        var byFailures = await browser.Open($"/subscriptions?partnerId={partnerId}&sort=failures");
        Assert.Equal(["sort0", "sort2", "sort1"], Hosts(byFailures));
        var byLatency = await browser.Open($"/subscriptions?partnerId={partnerId}&sort=latency");
        Assert.Equal("sort1", Hosts(byLatency)[0]);
        Assert.Contains("900 ms", byLatency.QuerySelector("tbody tr")!.TextContent);
        Assert.Contains("sort=latency", byLatency.QuerySelector("input[name=sort]")!.GetAttribute("value") is { } v ? "sort=" + v : "");
    }

    [Fact]
    public async Task Dead_letters_sort_by_status_code_both_ways()
    {
        var type = await app.Client().CreateEventType();
        var partnerId = await app.Client().CreatePartner();
        var subscription = (string)(await app.Client().CreateSubscription(partnerId, "https://codes.example.com/hook", type))["id"]!;
        foreach (var code in new[] { 503, 400, 502 }) await UiData.KillDeliveries(app, await UiData.SendEvent(app, type), code);

        var browser = await Browser.SignedIn(app);
        var ascending = await browser.Open($"/dead-letters?subscriptionId={subscription}&sort=code");
        Assert.Equal(["400", "502", "503"], Codes(ascending));
        var toggle = ascending.QuerySelectorAll("a.sort").First(a => a.TextContent.Contains("Last answer")).GetAttribute("href")!;
        Assert.Contains("sort=code-desc", toggle);
        Assert.Equal(["503", "502", "400"], Codes(await browser.Open(toggle)));
    }

    [Fact]
    public async Task The_search_box_finds_a_delivery_an_event_by_its_webhook_id_and_a_subscription()
    {
        var type = await app.Client().CreateEventType();
        var partnerId = await app.Client().CreatePartner();
        var subscription = (string)(await app.Client().CreateSubscription(partnerId, "https://search.example.com/hook", type))["id"]!;
        var eventId = await UiData.SendEvent(app, type);
        var delivery = (await UiData.KillDeliveries(app, eventId)).Single();
        var browser = await Browser.SignedIn(app);

        var home = await browser.Open("/");
        Assert.Equal("/search", home.QuerySelector("header form.search")!.GetAttribute("action"));
        await browser.Open($"/search?q={delivery}");
        Assert.Equal($"/deliveries/{delivery}", browser.LastLocation);
        await browser.Open($"/search?q=msg_{eventId}");
        Assert.Equal($"/events/{eventId}", browser.LastLocation);
        await browser.Open($"/search?q={subscription}");
        Assert.Equal($"/subscriptions/{subscription}", browser.LastLocation);

        var nothing = await browser.Open($"/search?q={Guid.NewGuid()}");
        Assert.Equal(HttpStatusCode.OK, browser.LastStatus);
        Assert.Contains("Nothing you may see", nothing.QuerySelector("#search-problem")!.TextContent);
        await browser.Open("/search?q=order-42");
        Assert.Equal(HttpStatusCode.BadRequest, browser.LastStatus);

        var partner = await UiData.PartnerWithUser(app, "Finder");
        var stranger = await Browser.SignedIn(app, partner.Username, partner.Password);
        var hidden = await stranger.Open($"/search?q={delivery}");
        Assert.Contains("Nothing you may see", hidden.QuerySelector("#search-problem")!.TextContent);
    }

    [Fact]
    public async Task The_events_list_shows_each_event_s_delivery_outcome()
    {
        var type = await app.Client().CreateEventType();
        var partnerId = await app.Client().CreatePartner();
        for (var i = 0; i < 3; i++) await app.Client().CreateSubscription(partnerId, $"https://outcome{i}.example.com/hook", type);
        var eventId = await UiData.SendEvent(app, type);
        await UiData.Execute(app, """
            UPDATE deliveries SET status = CASE WHEN d.n = 1 THEN 'succeeded' WHEN d.n = 2 THEN 'dead' ELSE 'pending' END
            FROM (SELECT id, row_number() OVER (ORDER BY id) AS n FROM deliveries WHERE event_id = $1) d WHERE deliveries.id = d.id
            """, eventId);

        var browser = await Browser.SignedIn(app);
        var list = await browser.Open($"/events?type={type}");
        var outcome = list.QuerySelector("tbody a.outcome")!;
        Assert.Equal("1 succeeded, 1 pending, 1 dead", outcome.QuerySelector(".outcome-words")!.TextContent);
        Assert.Equal($"/deliveries?eventId={eventId}", outcome.GetAttribute("href"));
        Assert.Equal(3, (await browser.Open(outcome.GetAttribute("href")!)).QuerySelectorAll("tbody tr").Length);
    }

    [Fact]
    public async Task The_edit_form_clears_a_rate_limit_with_a_blank_box()
    {
        var type = await app.Client().CreateEventType();
        var partnerId = await app.Client().CreatePartner();
        var created = await app.Client().PostAsync("/api/v1/subscriptions", System.Net.Http.Json.JsonContent.Create(new { partnerId, url = "https://limited.example.com/hook", eventTypes = new[] { type }, rateLimitPerSecond = 5 }))
            .Expect(HttpStatusCode.Created);
        var id = (string)created["id"]!;
        var browser = await Browser.SignedIn(app);
        var page = await browser.Open($"/subscriptions/{id}");
        Assert.Equal("5", page.QuerySelector("#rate")!.GetAttribute("value"));

        var saved = await browser.Submit(page, "edit-subscription", new() { ["Form.RateLimit"] = "" });
        Assert.Contains("Saved", saved.QuerySelector(".notice")!.TextContent);
        var read = await app.Client().GetAsync($"/api/v1/subscriptions/{id}").Expect(HttpStatusCode.OK);
        Assert.Null(read["rateLimitPerSecond"]);
    }

    private static List<string> Hosts(AngleSharp.Dom.IDocument page) =>
        page.QuerySelectorAll("tbody tr td:first-child code").Select(c => new Uri(c.TextContent).Host.Split('.')[0]).ToList();

    private static List<string> Codes(AngleSharp.Dom.IDocument page) =>
        page.QuerySelectorAll("tbody tr").Select(r => r.QuerySelectorAll("td")[^2].TextContent.Trim()).ToList();
}
