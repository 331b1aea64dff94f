using System.Net.Http.Json;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Delivery;

/// <summary>
/// At least once, proven by killing things: the app runs as separate processes against real
/// PostgreSQL and sends to a real receiver on 127.0.0.1 while the test kills the app or the database.
/// </summary>
[Collection(KillTests.Collection)]
public sealed class KillTests
{
    public const string Collection = "processes";
    private const int Events = 1500;

    private static async Task<Guid> Subscribe(AppProcess app, string url)
    {
        using var admin = app.Client();
        var partner = await admin.CreatePartner();
        var type = await admin.CreateEventType();
        var created = await admin.CreateSubscription(partner, url, type);
        return Guid.Parse((string)created["id"]!);
    }

    /// <summary>Posts events through the ingest API (batches of 500) for the subscription's event type; answers the accepted ids.</summary>
    private static async Task<List<Guid>> PostEvents(AppProcess app, Guid subscription, int count)
    {
        using var admin = app.Client();
        var type = (string)(await admin.GetAsync($"/api/v1/subscriptions/{subscription}").Expect(System.Net.HttpStatusCode.OK))["eventTypes"]![0]!;
        var ids = new List<Guid>();
        for (var sent = 0; sent < count; sent += 500)
        {
            var events = Enumerable.Range(sent, Math.Min(500, count - sent)).Select(i => new { type, payload = new { orderId = $"o-{i}", amount = i } });
            var answer = await admin.PostAsJsonAsync("/api/v1/events/batch", new { events }).Expect(System.Net.HttpStatusCode.OK);
            ids.AddRange(answer["results"]!.AsArray().Select(r => Guid.Parse((string)r!["id"]!)));
        }
        return ids;
    }

    private static Dictionary<string, int> Counts(TestReceiver receiver) =>
        receiver.Requests.GroupBy(r => r.WebhookId).ToDictionary(g => g.Key, g => g.Count());

    private static async Task<HashSet<string>> Succeeded(string connectionString, Guid subscription) =>
        (await DeliveryData.Scalar<Guid[]>(connectionString,
            "SELECT coalesce(array_agg(event_id), '{}') FROM deliveries WHERE subscription_id = $1 AND status = 'succeeded'", subscription))
        .Select(g => g.ToString()).ToHashSet();

    private static Task WaitForAll(string connectionString, Guid subscription, int count, TimeSpan timeout) =>
        DeliveryData.WaitUntil(connectionString, "SELECT count(*) = $2 FROM deliveries WHERE subscription_id = $1 AND status = 'succeeded'",
            [subscription, (long)count], $"all {count} deliveries to succeed", timeout);

    [Fact]
    public async Task Killing_the_app_mid_delivery_loses_nothing_and_repeats_only_what_was_in_flight()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        await using var receiver = await TestReceiver.StartAsync(_ => new Answer(Delay: TimeSpan.FromMilliseconds(5)));
        var settings = AppProcess.DeliverySettings();
        Guid subscription;
        var events = new List<Guid>();
        HashSet<string> succeededAtKill;
        await using (var first = await AppProcess.StartAsync(connectionString, settings))
        {
            subscription = await Subscribe(first, receiver.Url);
            events.AddRange(await PostEvents(first, subscription, Events));
            await receiver.WaitFor(r => r.Count >= Events / 3, TimeSpan.FromSeconds(30), "a third of the events");
            first.Kill();
            succeededAtKill = await Succeeded(connectionString, subscription);
        }
        Assert.InRange(succeededAtKill.Count, 1, Events - 1);

        await using var second = await AppProcess.StartAsync(connectionString, settings);
        await WaitForAll(connectionString, subscription, Events, TimeSpan.FromSeconds(40));

        var counts = Counts(receiver);
        Assert.All(events, e => Assert.True(counts.ContainsKey(e.ToString()), $"event {e} never arrived"));
        var repeated = counts.Where(c => c.Value > 1).Select(c => c.Key).ToList();
        Assert.All(repeated, id => Assert.DoesNotContain(id, succeededAtKill));
        Assert.True(repeated.Count <= 512, $"{repeated.Count} events arrived twice; at most the deliveries held at the kill may repeat");
    }

    [Fact]
    public async Task Stopping_PostgreSQL_mid_run_loses_nothing_and_the_app_carries_on_when_it_is_back()
    {
        var cluster = await TestPostgres.StartPrivateClusterAsync();
        try
        {
            await using var receiver = await TestReceiver.StartAsync(_ => new Answer(Delay: TimeSpan.FromMilliseconds(5)));
            await using var app = await AppProcess.StartAsync(cluster.ConnectionString, AppProcess.DeliverySettings());
            var subscription = await Subscribe(app, receiver.Url);
            var events = await PostEvents(app, subscription, Events);
            await receiver.WaitFor(r => r.Count >= Events / 3, TimeSpan.FromSeconds(30), "a third of the events");

            cluster.Stop(immediate: true);
            await Task.Delay(TimeSpan.FromSeconds(3));
            await cluster.StartAsync();
            Npgsql.NpgsqlConnection.ClearAllPools(); // the test's own pooled connections died with the server

            await WaitForAll(cluster.ConnectionString, subscription, Events, TimeSpan.FromSeconds(45));
            Assert.False(app.HasExited, app.Output);
            var counts = Counts(receiver);
            Assert.All(events, e => Assert.True(counts.ContainsKey(e.ToString()), $"event {e} never arrived"));
            var repeats = counts.Count(c => c.Value > 1);
            Assert.True(repeats <= 512, $"{repeats} events arrived twice; at most what the worker held at the outage may repeat");
        }
        finally
        {
            TestPostgres.Remove(cluster);
        }
    }

    [Fact]
    public async Task Two_instances_on_one_database_deliver_every_event_exactly_once()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        await using var receiver = await TestReceiver.StartAsync(_ => new Answer(Delay: TimeSpan.FromMilliseconds(2)));
        var settings = AppProcess.DeliverySettings();
        settings["Webhooks:Workers:Lease"] = "00:00:30";
        // A timed-out attempt is sent again by design; on a loaded machine a 2 s timeout can expire on a fast receiver,
        // and this test is about two instances never claiming the same delivery.
        settings["Webhooks:Delivery:Timeout"] = "00:00:10";
        await using var first = await AppProcess.StartAsync(connectionString, settings);
        await using var second = await AppProcess.StartAsync(connectionString, settings);
        var subscriptions = new[] { await Subscribe(first, receiver.Url), await Subscribe(second, receiver.Url) };
        var events = new List<Guid>();
        foreach (var subscription in subscriptions)
            events.AddRange(await PostEvents(first, subscription, Events));

        foreach (var subscription in subscriptions) await WaitForAll(connectionString, subscription, Events, TimeSpan.FromSeconds(40));
        var counts = Counts(receiver);
        Assert.Equal(events.Count, counts.Count);
        Assert.All(counts, c => Assert.True(c.Value == 1, $"event {c.Key} arrived {c.Value} times"));
        var workers = await DeliveryData.Scalar<long>(connectionString, "SELECT count(DISTINCT split_part(locked_by, '/', 2)) FROM deliveries WHERE locked_by IS NOT NULL");
        Assert.Equal(0L, workers); // every lease was released when its result was saved
        var perInstance = await DeliveryData.Scalar<long>(connectionString, "SELECT count(*) FROM attempts");
        Assert.Equal(events.Count, perInstance);
    }

    [Fact]
    public async Task A_graceful_stop_finishes_in_flight_attempts_and_hands_back_the_rest_at_once()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        // The receiver holds every request until the leaving instance has begun to stop: until then nothing is answered, so
        // each instance keeps what it claimed and the leaving one certainly holds deliveries that are not in flight.
        var release = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using var receiver = await TestReceiver.StartAsync(_ => new Answer(Delay: TimeSpan.FromMilliseconds(100)));
        receiver.Hold = release.Task;
        var settings = AppProcess.DeliverySettings();
        settings["Webhooks:Workers:MaxInFlightPerEndpoint"] = "2";
        // Attempts wait at the receiver while the test arranges the stop; none may time out, or it would rightly be sent again.
        settings["Webhooks:Delivery:Timeout"] = "00:01:00";
        settings["Webhooks:Workers:Lease"] = "00:05:00"; // a lease that expires is not how the rest come back
        await using var staying = await AppProcess.StartAsync(connectionString, settings);
        await using var leaving = await AppProcess.StartAsync(connectionString, settings);
        var subscriptions = new List<Guid>();
        for (var i = 0; i < 4; i++) subscriptions.Add(await Subscribe(staying, receiver.Url));
        var events = new List<Guid>();
        foreach (var subscription in subscriptions) events.AddRange(await PostEvents(staying, subscription, Events / 4));
        const string HeldByLeaving = "FROM deliveries WHERE status = 'pending' AND split_part(locked_by, '/', 2) = $1";
        await DeliveryData.WaitUntil(connectionString, $"SELECT count(*) > 20 {HeldByLeaving}", [leaving.Id.ToString()], "the leaving instance to hold deliveries");
        var held = await DeliveryData.Scalar<Guid[]>(connectionString, $"SELECT array_agg(id) {HeldByLeaving}", leaving.Id.ToString());

        leaving.Terminate();
        // Once the worker says it is stopping it starts no attempt; only then may the attempts in flight finish.
        await leaving.WaitForLine("Stopping: claiming and starting nothing more", TimeSpan.FromSeconds(30));
        release.SetResult();
        await leaving.WaitForExitAsync();
        var exitedAt = await DeliveryData.Scalar<DateTime>(connectionString, "SELECT now()");
        var stillHeld = await DeliveryData.Scalar<long>(connectionString,
            "SELECT count(*) FROM deliveries WHERE lease_token IS NOT NULL AND split_part(locked_by, '/', 2) = $1", leaving.Id.ToString());
        Assert.Equal(0L, stillHeld);
        Assert.Contains(leaving.Lines, l => l.Contains("Handed back", StringComparison.Ordinal));

        foreach (var subscription in subscriptions) await WaitForAll(connectionString, subscription, Events / 4, TimeSpan.FromSeconds(60));
        var counts = Counts(receiver);
        Assert.Equal(events.Count, counts.Count);
        Assert.All(counts, c => Assert.True(c.Value == 1, $"event {c.Key} arrived {c.Value} times"));
        // Deliveries the leaving instance held were sent by the other one after it had gone, long before its five-minute
        // lease could run out: they were handed back at stop.
        var sentAfterExit = await DeliveryData.Scalar<long>(connectionString,
            "SELECT count(*) FROM attempts WHERE delivery_id = ANY($1) AND at > $2", held, exitedAt);
        Assert.True(sentAfterExit > 0, $"none of the {held.Length} deliveries the leaving instance held was sent after it stopped");
    }
}

[CollectionDefinition(KillTests.Collection, DisableParallelization = true)]
public sealed class ProcessCollection;
