using System.Net;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Ui;

public sealed class PartnerPortalTests(WebhooksApp app) : IClassFixture<WebhooksApp>
{
    [Fact]
    public async Task Partner_A_never_sees_partner_B_s_subscriptions_deliveries_or_dead_letters()
    {
        var type = await app.Client().CreateEventType();
        var a = await UiData.PartnerWithUser(app, "Alpha");
        var b = await UiData.PartnerWithUser(app, "Beta");
        var aSub = (Guid)await app.Client().CreateSubscription(a.PartnerId, "https://alpha.example.com/hook", type).ContinueWith(t => Guid.Parse((string)t.Result["id"]!));
        var bSub = (Guid)await app.Client().CreateSubscription(b.PartnerId, "https://beta.example.com/hook", type).ContinueWith(t => Guid.Parse((string)t.Result["id"]!));
        var eventId = await UiData.SendEvent(app, type);
        var dead = await UiData.KillDeliveries(app, eventId);
        Assert.Equal(2, dead.Count);

        var alpha = await Browser.SignedIn(app, a.Username, a.Password);
        var home = await alpha.Open("/");
        Assert.Equal("Subscriptions", home.QuerySelector("h1")!.TextContent);
        Assert.Contains("alpha.example.com", home.Body!.TextContent);
        Assert.DoesNotContain("beta.example.com", home.Body!.TextContent);
        Assert.Null(home.QuerySelector("a[href='/partners']"));

        foreach (var path in new[] { "/deliveries", "/dead-letters", $"/dead-letters?partnerId={b.PartnerId}", $"/deliveries?subscriptionId={bSub}" })
        {
            var page = await alpha.Open(path);
            Assert.Equal(HttpStatusCode.OK, alpha.LastStatus);
            Assert.DoesNotContain("beta.example.com", page.Body!.TextContent);
        }
        Assert.Single((await alpha.Open("/dead-letters")).QuerySelectorAll("tbody input[name=Selected]"));

        var foreignSubscription = await alpha.Open($"/subscriptions/{bSub}");
        Assert.Equal(HttpStatusCode.NotFound, alpha.LastStatus);
        Assert.Equal("Not found", foreignSubscription.QuerySelector("h1")!.TextContent);

        var mine = new List<Guid>();
        foreach (var id in dead)
        {
            var delivery = await alpha.Open($"/deliveries/{id}");
            if (alpha.LastStatus == HttpStatusCode.OK)
            {
                Assert.Contains("alpha.example.com", delivery.Body!.TextContent);
                mine.Add(id);
            }
            else Assert.Equal(HttpStatusCode.NotFound, alpha.LastStatus);
        }
        var aDead = Assert.Single(mine);
        var bDead = dead.Single(id => id != aDead);
        foreach (var adminOnly in new[] { "/partners", $"/partners/{b.PartnerId}", "/event-types", "/events", $"/events/{eventId}", "/admins" })
        {
            await alpha.Open(adminOnly);
            Assert.Equal(HttpStatusCode.Redirect, alpha.LastStatus);
            Assert.Contains("/denied", alpha.LastLocation);
        }
        await alpha.Open($"/subscriptions/{aSub}");
        Assert.Equal(HttpStatusCode.OK, alpha.LastStatus);

        // A's own replay form, posted at B's delivery, replays nothing.
        var ownPage = await alpha.Open($"/deliveries/{aDead}");
        await alpha.Submit(ownPage, "replay", postTo: $"/deliveries/{bDead}");
        Assert.Equal("dead", await UiData.DeliveryStatus(app, bDead));
    }

    [Fact]
    public async Task A_partner_user_adds_a_subscription_for_its_own_partner_only()
    {
        var type = await app.Client().CreateEventType();
        var a = await UiData.PartnerWithUser(app, "Gamma");
        var b = await UiData.PartnerWithUser(app, "Delta");
        var gamma = await Browser.SignedIn(app, a.Username, a.Password);
        var form = await gamma.Open("/subscriptions/new");
        Assert.Null(form.QuerySelector("#partner"));
        var created = await gamma.Submit(form, "create-subscription",
            new() { ["Form.Url"] = "https://gamma.example.com/in", ["Form.EventTypes"] = type, ["Form.PartnerId"] = b.PartnerId.ToString() });
        Assert.StartsWith("whsec_", created.QuerySelector("#signing-secret")!.TextContent);

        var subscriptions = await app.Client().GetAsync($"/api/v1/subscriptions?partnerId={b.PartnerId}").Expect(HttpStatusCode.OK);
        Assert.Empty(subscriptions["data"]!.AsArray());
        var own = await app.Client().GetAsync($"/api/v1/subscriptions?partnerId={a.PartnerId}").Expect(HttpStatusCode.OK);
        Assert.Equal("https://gamma.example.com/in", (string)own["data"]![0]!["url"]!);
    }

    [Fact]
    public async Task A_partner_replays_its_own_dead_letters_after_seeing_how_many_would_go()
    {
        var type = await app.Client().CreateEventType();
        var a = await UiData.PartnerWithUser(app, "Epsilon");
        var b = await UiData.PartnerWithUser(app, "Zeta");
        await app.Client().CreateSubscription(a.PartnerId, "https://epsilon.example.com/hook", type);
        await app.Client().CreateSubscription(b.PartnerId, "https://zeta.example.com/hook", type);
        var dead = new List<Guid>();
        for (var i = 0; i < 3; i++) dead.AddRange(await UiData.KillDeliveries(app, await UiData.SendEvent(app, type), 502));

        var epsilon = await Browser.SignedIn(app, a.Username, a.Password);
        var page = await epsilon.Open("/dead-letters?statusCode=502");
        var preview = await epsilon.Submit(page, "dead-letters", button: "button[value=preview-replay-all]");
        Assert.Contains("Replay 3 deliveries?", preview.QuerySelector(".confirm h2")!.TextContent);
        Assert.All(dead, id => Assert.Equal("dead", UiData.DeliveryStatus(app, id).Result));

        var done = await epsilon.Submit(preview, "dead-letters", button: "button[value=replay]");
        Assert.Contains("Replayed 3 deliveries", done.QuerySelector(".notice")!.TextContent);
        Assert.Equal(3, dead.Count(id => UiData.DeliveryStatus(app, id).Result == "pending"));
        Assert.Equal(3, dead.Count(id => UiData.DeliveryStatus(app, id).Result == "dead"));
        // One replay, one audit entry, which names the filter that chose the deliveries.
        var history = done.QuerySelectorAll("section table tbody tr");
        var entry = Assert.Single(history);
        Assert.Contains(a.Username, entry.TextContent);
        Assert.Contains("replayed", entry.TextContent);
        Assert.Contains("statusCode 502", entry.TextContent);
        Assert.Contains("3", entry.QuerySelector("td.num")!.TextContent);
    }

    [Fact]
    public async Task An_admin_replays_selected_dead_letters_and_discards_the_rest()
    {
        var type = await app.Client().CreateEventType();
        var partnerId = await app.Client().CreatePartner("Eta");
        var subscription = await app.Client().CreateSubscription(partnerId, "https://eta.example.com/hook", type);
        var dead = new List<Guid>();
        for (var i = 0; i < 3; i++) dead.AddRange(await UiData.KillDeliveries(app, await UiData.SendEvent(app, type)));
        var admin = await Browser.SignedIn(app);
        var page = await admin.Open($"/dead-letters?subscriptionId={(string)subscription["id"]!}");
        Assert.Equal(3, page.QuerySelectorAll("tbody input[name=Selected]").Length);

        var nothing = await admin.Submit(page, "dead-letters", button: "button[value=preview-replay-selected]");
        Assert.Contains("Select at least one", nothing.QuerySelector(".error-summary")!.TextContent);

        var preview = await admin.Submit(page, "dead-letters", new() { ["Selected"] = dead[0].ToString() }, button: "button[value=preview-replay-selected]");
        Assert.Contains("Replay 1 delivery?", preview.QuerySelector(".confirm h2")!.TextContent);
        await admin.Submit(preview, "dead-letters", button: "button[value=replay]");
        Assert.Equal("pending", await UiData.DeliveryStatus(app, dead[0]));

        var rest = await admin.Open($"/dead-letters?subscriptionId={(string)subscription["id"]!}");
        var discard = await admin.Submit(rest, "dead-letters", button: "button[value=preview-discard-all]");
        Assert.Contains("Discard 2 deliveries?", discard.QuerySelector(".confirm h2")!.TextContent);
        var discarded = await admin.Submit(discard, "dead-letters", button: "button[value=discard]");
        Assert.Equal("discarded", await UiData.DeliveryStatus(app, dead[2]));
        Assert.Equal("pending", await UiData.DeliveryStatus(app, dead[0]));
        // Each action is one audit entry with who did it: the selection replayed, then the discard.
        var history = discarded.QuerySelectorAll("section table tbody tr").Select(r => r.TextContent).ToList();
        Assert.Equal(2, history.Count);
        Assert.Contains("discarded", history[0]);
        Assert.Contains("admin", history[0]);
        Assert.Contains("replayed", history[1]);
        Assert.Contains("1 selected deliveryIds", history[1]);

        var detail = await admin.Open($"/deliveries/{dead[1]}");
        Assert.Contains("receiver broke", detail.QuerySelector(".attempt pre")!.TextContent);
        Assert.Contains("webhook-id", detail.QuerySelector(".attempt table")!.TextContent);
    }
}
