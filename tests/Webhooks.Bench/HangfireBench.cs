using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.PostgreSql.Factories;
using Npgsql;
using Webhooks.Delivery;
using Webhooks.Jobs;
using Webhooks.Subscriptions;

namespace Webhooks.Bench;

/// <summary>
/// Issue 11's side by side: the one-endpoint scenario delivered by the service's PostgreSQL queue and as one Hangfire job per
/// delivery (each job makes the signed POST), alternately in the same run on the same PostgreSQL cluster. The Hangfire server runs
/// in this process with the app's storage settings, in schema <c>hangfire_bench</c> of the app's database, with <see cref="Workers"/> workers.
/// By default its workers poll the queue every 200 ms, Hangfire's fastest set-up for a stream of jobs; with <c>longPolling</c> they wait
/// on LISTEN/NOTIFY as the app's own server does (measured slower at this volume: about 50 commits per job).
/// </summary>
public static class HangfireBench
{
    public const int Workers = 16;
    private const int Enqueuers = 4;
    private const string EventType = "bench.order";

    private static readonly HttpClient Http = new(new SocketsHttpHandler { PooledConnectionLifetime = TimeSpan.FromMinutes(5) });
    private static string _url = "";
    private static string _secret = "";
    private static ConcurrentQueue<string> _failures = new();

    public static async Task RunAsync(BenchStack stack, int events, bool longPolling, int rounds = 3)
    {
        _secret = SigningSecrets.Generate();
        await using var receiver = await CountingReceiver.StartAsync(_secret);
        _url = receiver.Url;
        GlobalConfiguration.Configuration
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings();
        var options = HangfireStorage.Options();
        options.SchemaName = "hangfire_bench";
        options.EnableLongPolling = longPolling;
        if (!longPolling) options.QueuePollInterval = TimeSpan.FromMilliseconds(200);
        var setUp = $"{Workers} workers, {(longPolling ? "LISTEN/NOTIFY" : "polling every 200 ms")}";
        var connectionString = new NpgsqlConnectionStringBuilder(stack.Cluster.ConnectionString) { MaxPoolSize = Workers + Enqueuers + 10 }.ConnectionString;
        var storage = new PostgreSqlStorage(new NpgsqlConnectionFactory(connectionString, options), options);
        var client = new BackgroundJobClient(storage);
        using var server = new BackgroundJobServer(new BackgroundJobServerOptions
        {
            WorkerCount = Workers,
            SchedulePollingInterval = TimeSpan.FromSeconds(5),
            HeartbeatInterval = TimeSpan.FromSeconds(10),
        }, storage);

        await HangfireRoundAsync(stack, storage, client, receiver, events / 4); // warm-up: JIT, pools, connections
        var ours = new List<double>();
        var theirs = new List<double>();
        for (var round = 1; round <= rounds; round++)
        {
            // Which goes first alternates, so that a drift of the machine's speed falls on both alike.
            if (round % 2 == 1) ours.Add(await DeliveryBench.OneEndpointAsync(stack, events, events / 4, rounds: 1));
            var (rate, detail) = await HangfireRoundAsync(stack, storage, client, receiver, events);
            theirs.Add(rate);
            Console.WriteLine($"  round {round}, Hangfire ({setUp}): {detail}");
            if (round % 2 == 0) ours.Add(await DeliveryBench.OneEndpointAsync(stack, events, events / 4, rounds: 1));
        }
        var (ourMedian, theirMedian) = (Median(ours), Median(theirs));
        Console.WriteLine($"hangfire ({events} deliveries to one endpoint, {rounds} rounds each, alternating): " +
                          $"the service's queue median {ourMedian:F0} deliveries/s (rounds: {Rounds(ours)}), " +
                          $"one Hangfire job per delivery ({setUp}) median {theirMedian:F0} deliveries/s (rounds: {Rounds(theirs)}); " +
                          $"ratio {ourMedian / theirMedian:F1}x");
    }

    /// <summary>
    /// Enqueues <paramref name="events"/> jobs from <see cref="Enqueuers"/> concurrent callers, timed from the first enqueue to the last
    /// arrival; then waits for Hangfire to finish its bookkeeping, so that none of it falls on the next round.
    /// </summary>
    private static async Task<(double Rate, string Detail)> HangfireRoundAsync(BenchStack stack, JobStorage storage, IBackgroundJobClient client, CountingReceiver receiver, int events)
    {
        receiver.Reset();
        _failures = new();
        var monitoring = storage.GetMonitoringApi();
        var failedBefore = monitoring.FailedCount();
        var cpu = (Bench: CpuTime.Of(Environment.ProcessId), Postgres: CpuTime.OfPostgres(stack.Cluster.DataDirectory));
        var counters = await stack.CountersAsync();
        var started = Stopwatch.GetTimestamp();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, Enqueuers).Select(_ => Task.Run(() =>
        {
            var createdAt = DateTimeOffset.UtcNow;
            for (var i = Interlocked.Increment(ref next); i < events; i = Interlocked.Increment(ref next))
                client.Enqueue(() => DeliverAsync(Guid.CreateVersion7().ToString(), EventType, createdAt, BenchStack.Payload(i)));
        })));
        var enqueued = Stopwatch.GetElapsedTime(started);
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (receiver.Unique < events && DateTime.UtcNow < deadline) await Task.Delay(5);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var benchCpu = (CpuTime.Of(Environment.ProcessId) - cpu.Bench) * 1e6 / events;
        var postgresCpu = (CpuTime.OfPostgres(stack.Cluster.DataDirectory) - cpu.Postgres) * 1e6 / events;
        var commits = (await stack.CountersAsync()).Commits - counters.Commits;
        while ((monitoring.EnqueuedCount("default") > 0 || monitoring.ProcessingCount() > 0) && DateTime.UtcNow < deadline) await Task.Delay(50);
        var rate = receiver.Unique / elapsed.TotalSeconds;
        var signature = receiver.FirstSignatureValid switch { true => "signature verified", false => "SIGNATURE INVALID", null => "no request checked" };
        return (rate, $"{receiver.Unique}/{events} delivered in {elapsed.TotalSeconds:F1} s: {rate:F0} deliveries/s (first enqueue to last arrival; " +
                      $"jobs all enqueued after {enqueued.TotalMilliseconds:F0} ms); CPU per delivery: bench process (Hangfire, enqueuing and receiver) {benchCpu:F0} µs, " +
                      $"PostgreSQL {postgresCpu:F0} µs; {(double)events / Math.Max(1, commits):F2} deliveries per commit; " +
                      $"{receiver.Requests - receiver.Unique} repeats, {_failures.Count} failed attempts, {monitoring.FailedCount() - failedBefore} failed jobs; {signature}");
    }

    /// <summary>The job: one signed Standard Webhooks POST, as the service's attempt makes it. Throws on a non-2xx answer, so Hangfire retries.</summary>
    public static async Task DeliverAsync(string webhookId, string type, DateTimeOffset createdAt, string payload)
    {
        var body = WebhookMessage.Body(type, createdAt, payload);
        var timestamp = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var request = new HttpRequestMessage(HttpMethod.Post, _url) { Content = new ByteArrayContent(body) };
        request.Content.Headers.ContentType = new("application/json");
        request.Headers.UserAgent.ParseAdd(WebhookMessage.UserAgent);
        request.Headers.Add("webhook-id", webhookId);
        request.Headers.Add("webhook-timestamp", timestamp.ToString(CultureInfo.InvariantCulture));
        request.Headers.Add("webhook-signature", WebhookSigner.Sign(webhookId, timestamp, body, [_secret]));
        using var response = await Http.SendAsync(request);
        if (!response.IsSuccessStatusCode)
        {
            _failures.Enqueue(webhookId);
            throw new HttpRequestException($"the receiver answered {(int)response.StatusCode}");
        }
    }

    private static double Median(List<double> rates) => rates.Order().ElementAt(rates.Count / 2);

    private static string Rounds(List<double> rates) => string.Join(", ", rates.Select(r => r.ToString("F0", CultureInfo.InvariantCulture)));
}
