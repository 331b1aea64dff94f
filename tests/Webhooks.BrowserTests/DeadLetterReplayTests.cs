using System.Net;
using System.Net.Http.Json;
using Microsoft.Playwright;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.BrowserTests;

public sealed class DeadLetterReplayTests(BrowserApp app) : BrowserTestClass(app)
{
    private static readonly LocatorAssertionsToBeVisibleOptions Patiently = new() { Timeout = 90_000 };

    [Fact]
    public async Task An_admin_sets_up_a_subscription_watches_its_delivery_die_and_replays_it_to_success()
    {
        await using var receiver = await Receiver.StartAsync();
        var page = await App.SignedIn();

        await page.GotoAsync("/event-types/new");
        await page.GetByLabel("Name").FillAsync("shipment.sent");
        await page.GetByLabel("JSON Schema").FillAsync("""{"type":"object","required":["shipmentId"],"properties":{"shipmentId":{"type":"string"}}}""");
        await page.GetByLabel("Example payload").FillAsync("""{"shipmentId":"s-1"}""");
        await page.GetByRole(AriaRole.Button, new() { Name = "Register" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToContainTextAsync("shipment.sent");

        await page.GotoAsync("/partners");
        await page.GetByLabel("Name").FillAsync("Parcel Co");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add partner" }).ClickAsync();
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Parcel Co");
        await page.GetByRole(AriaRole.Link, new() { Name = "add a subscription" }).ClickAsync();
        await page.GetByLabel("Endpoint URL").FillAsync(receiver.Url);
        await page.GetByLabel("Event types").FillAsync("shipment.*");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add subscription" }).ClickAsync();
        await Assertions.Expect(page.Locator("#signing-secret")).ToContainTextAsync("whsec_");
        await BrowserApp.Screenshot(page, "30-subscription-created");
        var subscriptionId = (await page.GetByRole(AriaRole.Link, new() { Name = "Open the subscription" }).GetAttributeAsync("href"))!.Split('/').Last();

        await App.Client().PostAsJsonAsync("/api/v1/events", new { type = "shipment.sent", payload = new { shipmentId = "s-42" } }).Expect(HttpStatusCode.Accepted);

        // The subscription's page shows its attempts as they happen (a live view): the failures arrive without a reload.
        await page.GotoAsync($"/subscriptions/{subscriptionId}");
        await Assertions.Expect(page.Locator("#live-attempts .badge.live-on")).ToBeVisibleAsync(Patiently);
        await Assertions.Expect(page.Locator("#live-attempts tbody tr").Nth(1)).ToBeVisibleAsync(new() { Timeout = 60_000 });
        await Assertions.Expect(page.Locator("#live-attempts tbody tr").First).ToContainTextAsync("HTTP 500");
        await BrowserApp.Screenshot(page, "31-live-attempts-failing");

        // Dead once the schedule is used up; the dead-letter page (not a live view) is opened once it is.
        await DeliveryData.WaitUntil(App.ConnectionString, "SELECT EXISTS (SELECT 1 FROM deliveries WHERE subscription_id = $1 AND status = 'dead')",
            [Guid.Parse(subscriptionId)], "the delivery to end as a dead letter", TimeSpan.FromSeconds(90));
        await page.GotoAsync($"/dead-letters?subscriptionId={subscriptionId}");
        var replayAll = page.GetByRole(AriaRole.Button, new() { Name = "Replay all 1 matching…" });
        await Assertions.Expect(replayAll).ToBeVisibleAsync();
        Assert.True(receiver.Received.Count >= 2, $"the receiver saw {receiver.Received.Count} attempts");

        receiver.Status = 200;
        await replayAll.ClickAsync();
        await Assertions.Expect(page.Locator(".confirm h2")).ToHaveTextAsync("Replay 1 delivery?");
        await BrowserApp.Screenshot(page, "32-replay-confirm");
        await page.GetByRole(AriaRole.Button, new() { Name = "Replay 1 now" }).ClickAsync();
        await Assertions.Expect(page.Locator(".notice")).ToContainTextAsync("Replaying 1 delivery");
        // The replay runs as a job; its progress is a live view that reaches the end without a reload.
        await Assertions.Expect(page.Locator(".job-progress .badge.live-on")).ToBeVisibleAsync(Patiently);
        try
        {
            await Assertions.Expect(page.Locator(".job-progress [data-state]")).ToHaveAttributeAsync("data-state", "succeeded", new() { Timeout = 60_000 });
        }
        catch (PlaywrightException e)
        {
            // What the view last showed (when it last updated, any error) and Hangfire's history of the job tell a stalled
            // view from a job that never ran or keeps failing.
            var progress = page.Locator(".job-progress");
            var jobId = Guid.Parse((await progress.GetAttributeAsync("id"))!["job-".Length..]);
            await BrowserApp.Screenshot(page, "32-replay-job-stuck");
            throw new Xunit.Sdk.XunitException($"{e.Message}\nAt {DateTime.UtcNow:HH:mm:ss} UTC the view showed: {await progress.InnerTextAsync()}" +
                $"\nReconnect banner shown: {await page.Locator("#components-reconnect-modal").IsVisibleAsync()}\nThe job's history: {await App.JobHistory(jobId)}");
        }
        await Assertions.Expect(page.Locator(".job-progress .job-done")).ToHaveTextAsync("1");
        await BrowserApp.Screenshot(page, "32b-replay-job-done");
        await Assertions.Expect(page.Locator("section table tbody tr").First).ToContainTextAsync("admin");

        // Back on the subscription, the successful attempt of the replay appears by itself.
        await page.GotoAsync($"/subscriptions/{subscriptionId}");
        await Assertions.Expect(page.Locator("#live-attempts tbody tr").First).ToContainTextAsync("HTTP 200", new() { Timeout = 90_000 });
        await BrowserApp.Screenshot(page, "33-live-attempts-replayed");

        var ids = receiver.Received.Select(r => r.WebhookId).Distinct().ToList();
        Assert.Single(ids);
        Assert.Equal(200, receiver.Received.Last().Answered);

        await page.GotoAsync($"/subscriptions/{subscriptionId}");
        var browserSide = new System.Collections.Concurrent.ConcurrentQueue<string>();
        page.Request += (_, r) => browserSide.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {r.Method} {r.Url}");
        page.Response += (_, r) => browserSide.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} {r.Status} for {r.Request.Method} {r.Url}");
        page.RequestFailed += (_, r) => browserSide.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} failed: {r.Method} {r.Url}: {r.Failure}");
        page.Console += (_, m) => browserSide.Enqueue($"{DateTime.UtcNow:HH:mm:ss.fff} console {m.Type}: {m.Text}");
        var appLogsBefore = App.Logs.Entries.Count;
        var clickedAt = DateTime.UtcNow;
        await page.GetByRole(AriaRole.Button, new() { Name = "Send test event" }).ClickAsync();
        try
        {
            await Assertions.Expect(page.Locator("#test-attempt h3")).ToContainTextAsync("shipment.sent: HTTP 200", new() { Timeout = 60_000 });
        }
        catch (PlaywrightException e)
        {
            // Twice (runs Q64 and stop 26) the page showed neither a result nor an error after the click, and the receiver never
            // got the send: the click was lost while the live view above the button went blank as it went live, moving the button
            // (fixed; LiveViewTests shows the view stays whole). Should it recur, what the browser sent and was answered, what the
            // app logged and which deliveries the subscription has tell a lost click from a post aborted or held up on the server.
            await BrowserApp.Screenshot(page, "34-test-send-missing");
            throw new Xunit.Sdk.XunitException($"{e.Message}\nClicked at {clickedAt:HH:mm:ss.fff}; at {DateTime.UtcNow:HH:mm:ss.fff} UTC the receiver had {receiver.Received.Count} requests, " +
                $"{receiver.Received.Select(r => r.WebhookId).Distinct().Count()} webhook ids; reconnect banner shown: {await page.Locator("#components-reconnect-modal").IsVisibleAsync()}" +
                $"\nThe browser since the click:\n  {string.Join("\n  ", browserSide)}" +
                $"\nThe app logged since the click:\n  {string.Join("\n  ", App.Logs.Entries.Skip(appLogsBefore).Where(l => !l.Contains(" scope: ")).Take(200))}" +
                $"\nThe subscription's deliveries:\n  {await App.Deliveries(Guid.Parse(subscriptionId))}");
        }
        await BrowserApp.Screenshot(page, "34-test-send");
        Assert.Equal(2, receiver.Received.Select(r => r.WebhookId).Distinct().Count());
    }
}
