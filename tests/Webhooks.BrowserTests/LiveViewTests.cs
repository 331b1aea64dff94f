using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.BrowserTests;

/// <summary>The live views in Chromium: they update without a reload, pause, and say so when their connection is lost.</summary>
public sealed class LiveViewTests(BrowserApp app) : BrowserTestClass(app)
{
    private static readonly LocatorAssertionsToBeVisibleOptions Patiently = new() { Timeout = 60_000 };

    [Fact]
    public async Task The_dashboard_figures_update_by_themselves_without_a_reload()
    {
        var page = await App.SignedIn();
        var loads = CountFullLoads(page);
        await Assertions.Expect(page.Locator("#live-dashboard .badge.live-on")).ToBeVisibleAsync(Patiently);
        var eventsTile = page.Locator(".tiles div", new() { HasText = "Events per minute" }).Locator("dd");
        var before = double.Parse(await eventsTile.InnerTextAsync(), System.Globalization.CultureInfo.InvariantCulture);
        await BrowserApp.Screenshot(page, "40-dashboard-live-before");

        var type = await App.Client().CreateEventType();
        var events = Enumerable.Range(0, 120).Select(i => new { type, payload = new { orderId = "o-" + i, amount = i } }).ToArray();
        await App.Client().PostAsJsonAsync("/api/v1/events/batch", new { events }).Expect(HttpStatusCode.OK);

        // 120 more events in the last hour is 2 more a minute.
        await Assertions.Expect(eventsTile).ToHaveTextAsync((before + 2).ToString("0.##", System.Globalization.CultureInfo.InvariantCulture), new() { Timeout = 60_000 });
        await BrowserApp.Screenshot(page, "41-dashboard-live-after");
        Assert.Equal(0, loads());
    }

    [Fact]
    public async Task A_subscription_s_attempts_appear_as_they_happen_and_stop_while_paused()
    {
        await using var subscribed = await SubscribedReceiverAsync("Tail Co");
        var (receiver, admin, type, subscriptionId) = subscribed;
        var page = await App.SignedIn();
        await page.GotoAsync($"/subscriptions/{subscriptionId}");
        var loads = CountFullLoads(page);
        var rows = page.Locator("#live-attempts tbody tr");
        await Assertions.Expect(page.Locator("#live-attempts .badge.live-on")).ToBeVisibleAsync(Patiently);
        await Assertions.Expect(page.Locator("#live-attempts .empty")).ToBeVisibleAsync();
        var delete = page.GetByRole(AriaRole.Button, new() { Name = "Delete subscription" });
        var deleteAt = (await delete.BoundingBoxAsync())!.Y;

        await admin.PostAsJsonAsync("/api/v1/events", new { type, payload = new { orderId = "o-1", amount = 1 } }).Expect(HttpStatusCode.Accepted);
        await Assertions.Expect(rows).ToHaveCountAsync(1, new() { Timeout = 60_000 });
        await Assertions.Expect(rows.First).ToContainTextAsync("HTTP 200");
        // A row arriving moves no button: a click landing as it arrives would hit something else.
        Assert.Equal(deleteAt, (await delete.BoundingBoxAsync())!.Y);

        await page.GetByRole(AriaRole.Button, new() { Name = "Pause" }).ClickAsync();
        await Assertions.Expect(page.Locator("#live-attempts .badge.live-paused")).ToBeVisibleAsync();
        await admin.PostAsJsonAsync("/api/v1/events", new { type, payload = new { orderId = "o-2", amount = 2 } }).Expect(HttpStatusCode.Accepted);
        // While paused, the receiver gets the second delivery but the view keeps showing the first only.
        for (var deadline = DateTime.UtcNow.AddSeconds(60); receiver.Received.Count < 2 && DateTime.UtcNow < deadline;) await page.WaitForTimeoutAsync(200);
        Assert.Equal(2, receiver.Received.Count);
        await page.WaitForTimeoutAsync(3_000); // three refresh periods that must not show it
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await BrowserApp.Screenshot(page, "42-live-attempts-paused");

        await page.GetByRole(AriaRole.Button, new() { Name = "Go on" }).ClickAsync();
        await Assertions.Expect(rows).ToHaveCountAsync(2, new() { Timeout = 30_000 });
        await Assertions.Expect(rows.First).ToHaveClassAsync("new");
        await BrowserApp.Screenshot(page, "43-live-attempts-resumed");
        Assert.Equal(0, loads());
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public async Task A_live_view_going_live_keeps_its_prerendered_rows_until_its_first_live_read_returns(bool enhancedNavigation)
    {
        await using var subscribed = await SubscribedReceiverAsync(enhancedNavigation ? "Enhanced Co" : "Steady Co");
        var (_, admin, type, subscriptionId) = subscribed;
        await admin.PostAsJsonAsync("/api/v1/events", new { type, payload = new { orderId = "o-1", amount = 1 } }).Expect(HttpStatusCode.Accepted);
        var page = await App.SignedIn();
        var rows = page.Locator("#live-attempts tbody tr");
        await page.GotoAsync($"/subscriptions/{subscriptionId}");
        await Assertions.Expect(rows).ToHaveCountAsync(1, new() { Timeout = 60_000 });
        // From a page whose live view is connected: an enhanced navigation then adds the next view to that connection.
        await page.GotoAsync("/");
        await Assertions.Expect(page.Locator("#live-dashboard .badge.live-on")).ToBeVisibleAsync(Patiently);

        // The subscription's page is rendered on the server (reading the attempts), then the attempts table is locked before
        // the page reaches the browser, so the view's first live read waits for the lock: what the view shows meanwhile is
        // what it shows whenever that read is slow. A view that went blank then moved everything below it, and a click
        // landing at that moment was lost (twice in CI, a test send).
        await using var connection = new Npgsql.NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        await page.RouteAsync($"**/subscriptions/{subscriptionId}", async route =>
        {
            var response = await route.FetchAsync();
            await new Npgsql.NpgsqlCommand("LOCK TABLE attempts IN ACCESS EXCLUSIVE MODE", connection, transaction).ExecuteNonQueryAsync();
            await route.FulfillAsync(new() { Response = response });
        });
        if (enhancedNavigation) await page.EvaluateAsync("url => Blazor.navigateTo(url)", $"/subscriptions/{subscriptionId}");
        else await page.GotoAsync($"/subscriptions/{subscriptionId}");
        await DeliveryData.WaitUntil(App.ConnectionString, """
            SELECT EXISTS (SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%FROM attempts AS a%')
            """, [], "the view's first live read, waiting on the lock", TimeSpan.FromSeconds(60));
        await page.WaitForTimeoutAsync(1_000); // a render made before the read would have reached the page by now
        await Assertions.Expect(rows).ToHaveCountAsync(1);
        await Assertions.Expect(page.Locator("#live-attempts .badge.live-off")).ToBeVisibleAsync();

        await transaction.RollbackAsync();
        await Assertions.Expect(page.Locator("#live-attempts .badge.live-on")).ToBeVisibleAsync(Patiently);
        await Assertions.Expect(rows).ToHaveCountAsync(1);
    }

    [Fact]
    public async Task Losing_the_connection_shows_a_reconnecting_state_and_the_view_comes_back()
    {
        await using var proxy = new TcpProxy(new Uri(App.BaseUrl));
        var page = await App.SignedIn(baseUrl: proxy.Url);
        await Assertions.Expect(page.Locator("#live-dashboard .badge.live-on")).ToBeVisibleAsync(Patiently);
        var banner = page.Locator("#components-reconnect-modal");
        await Assertions.Expect(banner).ToBeHiddenAsync();

        proxy.Cut();
        await Assertions.Expect(banner).ToBeVisibleAsync(Patiently);
        await Assertions.Expect(banner).ToContainTextAsync("Live updates lost their connection");
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("data-live-connection", new System.Text.RegularExpressions.Regex("show|retrying"));
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Dashboard"); // the page itself stays whole
        await BrowserApp.Screenshot(page, "44-reconnecting");

        proxy.Restore();
        await Assertions.Expect(banner).ToBeHiddenAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("html")).ToHaveAttributeAsync("data-live-connection", "hide");
        var stamp = await page.Locator("#live-dashboard .live-when time").GetAttributeAsync("datetime");
        await Assertions.Expect(page.Locator("#live-dashboard .live-when time")).Not.ToHaveAttributeAsync("datetime", stamp!, new() { Timeout = 30_000 });
        await BrowserApp.Screenshot(page, "45-reconnected");
    }

    [Fact]
    public async Task Links_and_filter_forms_navigate_without_a_full_page_load()
    {
        var page = await App.SignedIn();
        var loads = CountFullLoads(page);
        await page.GetByRole(AriaRole.Link, new() { Name = "Deliveries", Exact = true }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Deliveries");
        // The page streams: its form is rendered again when the rows arrive, which would undo a choice made before that.
        await Assertions.Expect(page.Locator("p.loading")).ToHaveCountAsync(0, new() { Timeout = 30_000 });
        await page.Locator("#status").SelectOptionAsync("dead");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        // An enhanced navigation changes the address before it fetches, and the select shows the choice made on the old page:
        // only the option the server marked chosen says the filtered page arrived.
        await Assertions.Expect(page).ToHaveURLAsync(new System.Text.RegularExpressions.Regex("status=dead"));
        await Assertions.Expect(page.Locator("#status option[selected]")).ToHaveAttributeAsync("value", "dead", new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("p.loading")).ToHaveCountAsync(0, new() { Timeout = 30_000 });
        await page.GetByRole(AriaRole.Link, new() { Name = "Event types" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Event types");
        Assert.Equal(0, loads());
    }

    /// <summary>A receiver answering 200, and a new partner's subscription of a new event type to it.</summary>
    private async Task<Subscribed> SubscribedReceiverAsync(string partnerName)
    {
        var receiver = await Receiver.StartAsync();
        receiver.Status = 200;
        var admin = App.Client();
        var type = await admin.CreateEventType();
        var partnerId = await admin.CreatePartner(partnerName);
        var subscriptionId = (string)(await admin.CreateSubscription(partnerId, receiver.Url, type))["id"]!;
        return new Subscribed(receiver, admin, type, subscriptionId);
    }

    private sealed record Subscribed(Receiver Receiver, HttpClient Admin, string Type, string SubscriptionId) : IAsyncDisposable
    {
        public ValueTask DisposeAsync() => Receiver.DisposeAsync();
    }

    /// <summary>Counts the full document loads of the page from now on (an enhanced navigation or a live update is none).</summary>
    private static Func<int> CountFullLoads(IPage page)
    {
        var count = 0;
        page.Load += (_, _) => Interlocked.Increment(ref count);
        return () => count;
    }
}
