using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Primitives;
using Bunit.TestDoubles;
using Webhooks.Tests.Infrastructure;
using Webhooks.Ui.Live;
using Webhooks.Ui.Pages;
using Webhooks.Ui.Pages.Account;
using Webhooks.Ui.Pages.Admin;
using Webhooks.Ui.Pages.Deliveries;
using Webhooks.Ui.Pages.Events;
using Webhooks.Ui.Pages.EventTypes;
using Webhooks.Ui.Pages.Partners;
using Webhooks.Ui.Pages.Subscriptions;

namespace Webhooks.ComponentTests;

/// <summary>The logic of each page, rendered on the server as it is for a request, over the real database.</summary>
public sealed class PageTests(WebhooksApp app) : ComponentTest(app)
{
    private IRenderedComponent<T> Page<T>(HttpContext http, Action<ComponentParameterCollectionBuilder<T>>? parameters = null) where T : IComponent =>
        Render<T>(p => { p.AddCascadingValue(http); parameters?.Invoke(p); });

    private string Address => Services.GetRequiredService<NavigationManager>().Uri;

    private async Task<(string Type, Guid PartnerId, Guid SubscriptionId)> SubscriptionAsync(string host)
    {
        var type = await Api.CreateEventType();
        var partnerId = await Api.CreatePartner(host);
        var subscriptionId = Guid.Parse((string)(await Api.CreateSubscription(partnerId, $"https://{host}.example.com/hook", type))["id"]!);
        return (type, partnerId, subscriptionId);
    }

    private async Task<Guid> EventAsync(string type)
    {
        var created = await Api.PostAsJsonAsync("/api/v1/events", new { type, payload = new { orderId = "o", amount = 1 } }).Expect(HttpStatusCode.Accepted);
        return Guid.Parse((string)created["id"]!);
    }

    private Task DeadAsync(Guid eventId, int code) =>
        Sql("UPDATE deliveries SET status = 'dead', attempt_count = 1, last_status_code = $2, last_attempt_at = now() WHERE event_id = $1", eventId, code);

    [Fact]
    public void Dashboard_shows_the_live_island_to_admins_and_sends_partners_to_their_subscriptions()
    {
        ComponentFactories.AddStub<LiveDashboard>();
        var admin = Page<Dashboard>(Request(Admin));
        Assert.Equal("Dashboard", admin.Find("h1").TextContent);
        Assert.Single(admin.FindComponents<Stub<LiveDashboard>>());

        Page<Dashboard>(Request(PartnerUser(Guid.NewGuid())));
        Assert.EndsWith("/subscriptions", Address);
    }

    [Fact]
    public async Task Deliveries_filter_by_status_and_sort_by_status_code()
    {
        var (type, _, subscriptionId) = await SubscriptionAsync("list");
        foreach (var code in new[] { 503, 400 }) await DeadAsync(await EventAsync(type), code);
        await EventAsync(type); // pending

        At($"/deliveries?subscriptionId={subscriptionId}&status=dead&sort=code");
        var page = Page<DeliveryList>(Request(Admin));
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("tbody tr").Count), TimeSpan.FromSeconds(20));
        Assert.Equal(["400", "503"], page.FindAll("tbody tr").Select(r => r.QuerySelectorAll("td")[^2].TextContent.Trim()));
        Assert.Equal("code", page.Find("form.filters input[name=sort]").GetAttribute("value"));
    }

    [Fact]
    public void Deliveries_with_a_forged_cursor_answer_400_and_say_which_parameter()
    {
        At("/deliveries?after=%27%3B--&statusCode=x");
        var http = Request(Admin);
        var page = Page<DeliveryList>(http);
        Assert.Equal(400, http.Response.StatusCode);
        Assert.Equal(2, page.FindAll("#bad-query li").Count);
        Assert.Empty(page.FindAll("table"));
        Assert.Empty(page.FindAll(".empty"));
    }

    [Fact]
    public async Task Dead_letters_confirm_before_replaying_and_record_one_replay()
    {
        var (type, _, subscriptionId) = await SubscriptionAsync("confirm");
        for (var i = 0; i < 3; i++) await DeadAsync(await EventAsync(type), 500);
        At($"/dead-letters?subscriptionId={subscriptionId}");
        // The page renders on the server; the replay's progress island in it asks how it is rendered.
        SetRendererInfo(new RendererInfo("Static", isInteractive: false));
        var http = Request(Admin, "POST");

        http.Request.Form = new FormCollection(new Dictionary<string, StringValues> { ["Action"] = "preview-replay-all" });
        var page = Page<Ui.Pages.Deliveries.DeadLetters>(http);
        page.WaitForElement("tbody tr", TimeSpan.FromSeconds(20));
        // Each post is its own request in the app; here both share the page and its database context, so the test
        // awaits the whole handler (which reads the page again after its answer shows) before the next post.
        await page.Find("form[method=post]").SubmitAsync();
        Assert.Equal("Replay 3 deliveries?", page.Find(".confirm h2").TextContent);
        Assert.Equal("all", page.Find(".confirm input[name=Scope]").GetAttribute("value"));

        http.Request.Form = new FormCollection(new Dictionary<string, StringValues> { ["Action"] = "replay", ["Scope"] = "all" });
        await page.Find("form[method=post]").SubmitAsync();
        Assert.Contains("Replaying 3 deliveries", page.Find(".notice").TextContent);
        var entry = page.Find("section table tbody tr");
        Assert.Contains("replayed", entry.TextContent);
        Assert.Equal("3", entry.QuerySelector("td.num")!.TextContent);
    }

    [Fact]
    public async Task Dead_letters_ask_for_a_selection_before_replaying_selected()
    {
        var (type, _, subscriptionId) = await SubscriptionAsync("select");
        await DeadAsync(await EventAsync(type), 500);
        At($"/dead-letters?subscriptionId={subscriptionId}");
        var http = Request(Admin, "POST");
        http.Request.Form = new FormCollection(new Dictionary<string, StringValues> { ["Action"] = "preview-discard-selected" });
        var page = Page<Ui.Pages.Deliveries.DeadLetters>(http);
        page.WaitForElement("tbody tr", TimeSpan.FromSeconds(20));
        page.Find("form[method=post]").Submit();
        page.WaitForAssertion(() => Assert.Contains("Select at least one", page.Find(".error-summary").TextContent), TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task Events_show_each_event_s_outcome_and_an_id_opens_the_event()
    {
        var (type, _, _) = await SubscriptionAsync("events");
        var eventId = await EventAsync(type);
        await DeadAsync(eventId, 500);
        At($"/events?type={type}");
        var page = Page<EventList>(Request(Admin));
        page.WaitForAssertion(() => Assert.Equal("1 dead", page.Find(".outcome-words").TextContent), TimeSpan.FromSeconds(20));

        At($"/events?id={eventId}");
        Page<EventList>(Request(Admin));
        Assert.EndsWith($"/events/{eventId}", Address);
        var http = Request(Admin);
        At("/events?partnerId=acme");
        var bad = Page<EventList>(http);
        Assert.Equal(400, http.Response.StatusCode);
        Assert.Contains("partnerId", bad.Find("#bad-query").TextContent);
    }

    [Fact]
    public async Task Subscriptions_sort_by_failures_and_refuse_an_unknown_health()
    {
        var (type, partnerId, first) = await SubscriptionAsync("fail-a");
        var second = Guid.Parse((string)(await Api.CreateSubscription(partnerId, "https://fail-b.example.com/hook", type))["id"]!);
        await Sql("UPDATE subscriptions SET failure_streak = 9 WHERE id = $1", first);
        At($"/subscriptions?partnerId={partnerId}&sort=failures");
        var page = Page<SubscriptionList>(Request(Admin));
        page.WaitForAssertion(() => Assert.Equal(2, page.FindAll("tbody tr").Count), TimeSpan.FromSeconds(20));
        Assert.Contains("fail-a", page.FindAll("tbody tr")[0].TextContent);
        Assert.Contains("failing", page.FindAll("tbody tr")[0].TextContent);
        Assert.Contains("healthy", page.FindAll("tbody tr")[1].TextContent);
        _ = second;

        var http = Request(Admin);
        At("/subscriptions?health=great");
        Page<SubscriptionList>(http);
        Assert.Equal(400, http.Response.StatusCode);
    }

    [Fact]
    public async Task A_partner_sees_only_its_own_subscriptions()
    {
        var mine = await SubscriptionAsync("mine");
        await SubscriptionAsync("theirs");
        var page = Page<SubscriptionList>(Request(PartnerUser(mine.PartnerId)));
        page.WaitForAssertion(() => Assert.Single(page.FindAll("tbody tr")), TimeSpan.FromSeconds(20));
        Assert.Contains("mine.example.com", page.Find("tbody").TextContent);
        Assert.Empty(page.FindAll("#partner"));
    }

    [Fact]
    public async Task A_subscription_page_shows_its_health_and_the_live_attempts_island()
    {
        ComponentFactories.AddStub<LiveAttempts>();
        var (_, _, subscriptionId) = await SubscriptionAsync("detail");
        var page = Page<SubscriptionDetail>(Request(Admin), p => p.Add(x => x.Id, subscriptionId));
        page.WaitForElement("h1", TimeSpan.FromSeconds(20));
        Assert.Contains("detail.example.com", page.Find("h1").TextContent);
        var island = Assert.Single(page.FindComponents<Stub<LiveAttempts>>());
        Assert.Equal(subscriptionId, island.Instance.Parameters.Get(x => x.SubscriptionId));
    }

    [Fact]
    public void The_search_page_refuses_what_is_not_an_id_and_says_when_nothing_has_it()
    {
        var http = Request(Admin);
        At("/search?q=order-42");
        var bad = Page<Search>(http);
        Assert.Equal(400, http.Response.StatusCode);
        Assert.Contains("is not an id", bad.Find("#search-problem").TextContent);
        At($"/search?q={Guid.NewGuid()}");
        var nothing = Page<Search>(Request(Admin));
        nothing.WaitForAssertion(() => Assert.Contains("Nothing you may see", nothing.Find("#search-problem").TextContent), TimeSpan.FromSeconds(20));
    }

    [Fact]
    public async Task The_search_page_opens_what_the_id_names()
    {
        var (type, _, subscriptionId) = await SubscriptionAsync("found");
        var eventId = await EventAsync(type);
        At($"/search?q=msg_{eventId}");
        Page<Search>(Request(Admin));
        WaitForAddress($"/events/{eventId}");
        At($"/search?q={subscriptionId}");
        var stranger = Page<Search>(Request(PartnerUser(Guid.NewGuid())));
        stranger.WaitForAssertion(() => Assert.Contains("Nothing you may see", stranger.Find("#search-problem").TextContent), TimeSpan.FromSeconds(20));
        Page<Search>(Request(Admin));
        WaitForAddress($"/subscriptions/{subscriptionId}");
    }

    private void WaitForAddress(string path)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!Address.EndsWith(path) && DateTime.UtcNow < deadline) Thread.Sleep(50);
        Assert.EndsWith(path, Address);
    }

    [Fact]
    public async Task Event_types_list_the_live_ones_and_refuse_a_flag_that_is_not_one()
    {
        var type = await Api.CreateEventType();
        var page = Page<EventTypeList>(Request(Admin));
        page.WaitForAssertion(() => Assert.Contains(type, page.Find("tbody").TextContent), TimeSpan.FromSeconds(20));
        var http = Request(Admin);
        At("/event-types?archived=maybe");
        Page<EventTypeList>(http);
        Assert.Equal(400, http.Response.StatusCode);
    }

    [Fact]
    public async Task Partners_list_with_their_subscription_counts_and_refuse_a_forged_cursor()
    {
        var (_, partnerId, _) = await SubscriptionAsync("counted");
        var page = Page<PartnerList>(Request(Admin));
        page.WaitForAssertion(() => Assert.Equal("1", page.Find($"a[href='/subscriptions?partnerId={partnerId}']").TextContent), TimeSpan.FromSeconds(20));
        var http = Request(Admin);
        At("/partners?after=nope");
        Page<PartnerList>(http);
        Assert.Equal(400, http.Response.StatusCode);
    }

    [Fact]
    public async Task A_delivery_page_shows_its_attempts_and_offers_replay_when_dead()
    {
        var (type, _, _) = await SubscriptionAsync("one");
        var eventId = await EventAsync(type);
        await Sql("""
            WITH d AS (UPDATE deliveries SET status = 'dead', attempt_count = 1, last_status_code = 502 WHERE event_id = $1 RETURNING id)
            INSERT INTO attempts (delivery_id, number, at, status_code, duration_ms, response_body) SELECT id, 1, now(), 502, 40, 'bad gateway' FROM d
            """, eventId);
        var deliveryId = await DeliveryOf(eventId);
        var page = Page<DeliveryDetail>(Request(Admin), p => p.Add(x => x.Id, deliveryId));
        page.WaitForElement("details.attempt", TimeSpan.FromSeconds(20));
        Assert.Contains("HTTP 502", page.Find("details.attempt summary").TextContent);
        Assert.Contains("bad gateway", page.Find("details.attempt pre").TextContent);
        Assert.NotNull(page.Find("form[method=post] button.primary"));
    }

    [Fact]
    public async Task An_event_page_shows_the_payload_and_its_deliveries()
    {
        var (type, _, _) = await SubscriptionAsync("payload");
        var eventId = await EventAsync(type);
        var page = Page<EventDetail>(Request(Admin), p => p.Add(x => x.Id, eventId));
        page.WaitForElement("pre.json", TimeSpan.FromSeconds(20));
        Assert.Contains("\"orderId\": \"o\"", page.Find("pre.json").TextContent);
        Assert.Single(page.FindAll("tbody tr"));
    }

    [Fact]
    public async Task A_partner_page_shows_its_keys_users_and_subscriptions()
    {
        var (_, partnerId, _) = await SubscriptionAsync("partner-page");
        await Api.CreatePartnerKey(partnerId);
        var page = Page<PartnerDetail>(Request(Admin), p => p.Add(x => x.Id, partnerId));
        page.WaitForElement("h1", TimeSpan.FromSeconds(20));
        Assert.Equal("partner-page", page.Find("h1").TextContent);
        Assert.Single(page.FindAll("table")[0].QuerySelectorAll("tbody tr"));
        Assert.Equal("1", page.Find($"a[href='/subscriptions?partnerId={partnerId}']").TextContent);
    }

    [Fact]
    public async Task An_event_type_page_shows_its_schema_and_versions()
    {
        var type = await Api.CreateEventType();
        At($"/event-types/{type}?saved=created");
        var page = Page<EventTypeDetail>(Request(Admin), p => p.Add(x => x.Name, type));
        page.WaitForElement("h1", TimeSpan.FromSeconds(20));
        Assert.Contains(type, page.Find("h1").TextContent);
        Assert.Contains("registered", page.Find(".notice").TextContent);
        Assert.Contains("\"orderId\"", page.Find("pre.json").TextContent);
        Assert.Equal("Save version 2", page.Find("form[method=post] button.primary").TextContent);
    }

    [Fact]
    public void New_event_type_and_new_subscription_forms_start_filled_as_they_should()
    {
        var type = Page<EventTypeNew>(Request(Admin));
        Assert.Contains("\"type\": \"object\"", type.Find("textarea#schema").TextContent);
        var partnerId = Guid.NewGuid();
        At("/subscriptions/new?partnerId=not-a-guid");
        var subscription = Page<SubscriptionNew>(Request(PartnerUser(partnerId)));
        subscription.WaitForElement("#url", TimeSpan.FromSeconds(20));
        Assert.Empty(subscription.FindAll("#partner")); // a partner adds for itself only
    }

    [Fact]
    public void Sign_in_says_when_you_signed_out_and_keeps_where_you_were_going()
    {
        At("/signin?signedOut=true&ReturnUrl=%2Fdead-letters");
        var page = Page<SignIn>(Request());
        Assert.Contains("You are signed out", page.Find(".notice").TextContent);
        Assert.Equal("/dead-letters", page.Find("input[name='Form.ReturnUrl']").GetAttribute("value"));
        Assert.NotNull(page.Find("form[data-enhance]"));
    }

    [Fact]
    public void Admins_and_account_pages_list_and_name_the_signed_in_user()
    {
        var admins = Page<Admins>(Request(Admin));
        admins.WaitForAssertion(() => Assert.Contains("admin", admins.Find("tbody").TextContent), TimeSpan.FromSeconds(20));
        var account = Page<AccountPage>(Request(Admin));
        Assert.Contains("Signed in as admin", account.Find("p").TextContent);
    }

    [Fact]
    public void Not_found_and_denied_pages_say_what_happened()
    {
        Assert.Equal("Not found", Page<NotFoundPage>(Request(Admin)).Find("h1").TextContent);
        var http = Request(PartnerUser(Guid.NewGuid()));
        Assert.Equal("You may not see that page", Page<Denied>(http).Find("h1").TextContent);
        Assert.Equal(403, http.Response.StatusCode);
    }

    private async Task<Guid> DeliveryOf(Guid eventId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT id FROM deliveries WHERE event_id = $1", connection);
        command.Parameters.Add(new() { Value = eventId });
        return (Guid)(await command.ExecuteScalarAsync())!;
    }
}
