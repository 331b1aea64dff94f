using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Webhooks.Bench;

/// <summary>
/// Delivery end to end: events posted to ingest, delivered by the app's workers to a receiver on
/// 127.0.0.1 in this process. Throughput: a backlog of deliveries drained as fast as it goes.
/// Latency: events offered at a steady 1,000/s, each timed from its 202 to its first arrival.
/// </summary>
public static class DeliveryBench
{
    public static readonly Dictionary<string, string> Settings = new()
    {
        ["Webhooks:Workers:Enabled"] = "true",
        ["Webhooks:Delivery:AllowHttp"] = "true",
        ["Webhooks:Delivery:AllowedNetworks:0"] = "127.0.0.0/8",
        ["Logging:LogLevel:Default"] = "Warning",
    };

    public static async Task RunAsync(BenchStack stack, TimeSpan duration)
    {
        await using var receiver = await Receiver.StartAsync();
        await Throughput(stack, receiver, events: 10_000, subscriptions: 5);
        await Latency(stack, receiver, perSecond: 1000, duration);
        Console.WriteLine($"delivery: app peak memory (VmHWM) {PeakRssMb(stack.App.Id):F0} MB");
    }

    private static async Task Throughput(BenchStack stack, Receiver receiver, int events, int subscriptions)
    {
        var (type, key) = await stack.SeedAsync(subscriptions, receiver.Url);
        using var ingest = stack.App.Client(key);
        var total = events * subscriptions;
        receiver.Reset();
        var started = Stopwatch.GetTimestamp();
        for (var sent = 0; sent < events; sent += 500)
        {
            var batch = Enumerable.Range(sent, Math.Min(500, events - sent)).Select(i => new { type, payload = JsonNode.Parse(BenchStack.Payload(i)) });
            (await ingest.PostAsJsonAsync("/api/v1/events/batch", new { events = batch })).EnsureSuccessStatusCode();
        }
        var posted = Stopwatch.GetElapsedTime(started);
        var deliveredWhilePosting = receiver.Unique;
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (receiver.Unique < total && DateTime.UtcNow < deadline) await Task.Delay(10);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var drain = elapsed - posted;
        Console.WriteLine($"delivery throughput: {receiver.Unique}/{total} deliveries ({events} events x {subscriptions} subscriptions) in {elapsed.TotalSeconds:F1} s: " +
                          $"{total / elapsed.TotalSeconds:F0}/s end to end including ingest; after ingest finished ({posted.TotalSeconds:F1} s), " +
                          $"the remaining {total - deliveredWhilePosting} drained at {(total - deliveredWhilePosting) / drain.TotalSeconds:F0}/s; " +
                          $"{receiver.Requests - receiver.Unique} repeats");
    }

    /// <summary>
    /// One busy endpoint: <paramref name="events"/> events for one subscription, posted in batches of 200 by 4 concurrent
    /// senders while delivery runs, timed from the first POST to the last arrival, in rounds (the median is the one to quote).
    /// </summary>
    /// <returns>The median round's deliveries per second.</returns>
    public static async Task<double> OneEndpointAsync(BenchStack stack, int events, int warmUp, int rounds = 3)
    {
        await using var receiver = await Receiver.StartAsync();
        await OneEndpointRoundAsync(stack, receiver, warmUp); // JIT, pools, the endpoint's in-flight limit
        var rates = new List<double>();
        for (var round = 1; round <= rounds; round++)
        {
            var (rate, detail) = await OneEndpointRoundAsync(stack, receiver, events);
            rates.Add(rate);
            Console.WriteLine($"  round {round}, one endpoint: {detail}");
        }
        var median = rates.Order().ElementAt(rounds / 2);
        Console.WriteLine($"delivery, one endpoint ({events} events in batches of 200 from 4 senders): median {median:F0} deliveries/s " +
                          $"(rounds: {string.Join(", ", rates.Select(r => r.ToString("F0")))})");
        return median;
    }

    private static async Task<(double Rate, string Detail)> OneEndpointRoundAsync(BenchStack stack, Receiver receiver, int events)
    {
        var (type, key) = await stack.SeedAsync(1, receiver.Url);
        using var ingest = stack.App.Client(key);
        receiver.Reset();
        await stack.PrintStatementsAsync(1);
        var cpu = (App: CpuTime.Of(stack.App.Id), Postgres: CpuTime.OfPostgres(stack.Cluster.DataDirectory));
        var counters = await stack.CountersAsync();
        var started = Stopwatch.GetTimestamp();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var batch = Interlocked.Increment(ref next); batch * 200 < events; batch = Interlocked.Increment(ref next))
            {
                var items = Enumerable.Range(batch * 200, Math.Min(200, events - batch * 200)).Select(i => new { type, payload = JsonNode.Parse(BenchStack.Payload(i)) });
                (await ingest.PostAsJsonAsync("/api/v1/events/batch", new { events = items })).EnsureSuccessStatusCode();
            }
        })));
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (receiver.Unique < events && DateTime.UtcNow < deadline) await Task.Delay(5);
        var elapsed = Stopwatch.GetElapsedTime(started);
        var app = (CpuTime.Of(stack.App.Id) - cpu.App) * 1e6 / events;
        var postgres = (CpuTime.OfPostgres(stack.Cluster.DataDirectory) - cpu.Postgres) * 1e6 / events;
        var commits = (await stack.CountersAsync()).Commits - counters.Commits;
        var rate = receiver.Unique / elapsed.TotalSeconds;
        var detail = $"{receiver.Unique}/{events} delivered in {elapsed.TotalSeconds:F1} s: {rate:F0} deliveries/s (first POST to last arrival); " +
                     $"CPU per delivery (ingest included): app {app:F0} µs, PostgreSQL {postgres:F0} µs; " +
                     $"{(double)events / Math.Max(1, commits):F1} deliveries per commit; {receiver.Requests - receiver.Unique} repeats";
        await stack.PrintStatementsAsync(events);
        return (rate, detail);
    }

    private static async Task Latency(BenchStack stack, Receiver receiver, int perSecond, TimeSpan duration)
    {
        var (type, key) = await stack.SeedAsync(1, receiver.Url);
        using var ingest = stack.App.Client(key);
        receiver.Reset();
        var accepted = new ConcurrentDictionary<string, long>();
        var total = (int)(perSecond * duration.TotalSeconds);
        var started = Stopwatch.GetTimestamp();
        var failed = await OfferAsync(ingest, type, perSecond, total, started, accepted);
        if (failed > 0) throw new InvalidOperationException($"{failed} events were not accepted.");
        var offered = total / Stopwatch.GetElapsedTime(started).TotalSeconds;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (receiver.Unique < total && DateTime.UtcNow < deadline) await Task.Delay(10);
        var latencies = new Latencies();
        latencies.Add(accepted.Select(a => receiver.FirstArrival(a.Key + "?s=0") is { } arrived ? Math.Max(0, arrived - a.Value) : long.MaxValue / 2));
        Console.WriteLine($"delivery latency, 202 to first attempt, {offered:F0} events/s offered for {duration.TotalSeconds:F0} s (1 subscription): " +
                          $"{latencies.Summary()}; {receiver.Unique}/{total} arrived");
    }

    /// <summary>
    /// A steady rate for a long time: every window prints the app's memory, the delivery queue's lag and the
    /// 202-to-first-attempt latency of the events accepted in that window.
    /// </summary>
    public static async Task SoakAsync(BenchStack stack, int perSecond, TimeSpan duration, TimeSpan window)
    {
        await using var receiver = await Receiver.StartAsync();
        await receiver.WarmUpAsync();
        var (type, key) = await stack.SeedAsync(2, receiver.Url);
        using var ingest = stack.App.Client(key);
        var accepted = new ConcurrentDictionary<string, long>();
        var started = Stopwatch.GetTimestamp();
        var total = (int)(perSecond * duration.TotalSeconds);
        var reporter = Task.Run(async () =>
        {
            Console.WriteLine("soak: minute | app RSS MB | due deliveries | oldest due (s) | 202 -> first attempt, events accepted in the window before");
            for (var next = window; next <= duration; next += window)
            {
                var wait = next - Stopwatch.GetElapsedTime(started);
                if (wait > TimeSpan.Zero) await Task.Delay(wait);
                var (due, oldest) = await QueueLagAsync(stack);
                var windowStart = started + (long)((next - window).TotalSeconds * Stopwatch.Frequency);
                var windowEnd = started + (long)(next.TotalSeconds * Stopwatch.Frequency);
                var latencies = new Latencies();
                latencies.Add(accepted.Where(a => a.Value >= windowStart && a.Value < windowEnd)
                    .Select(a => receiver.FirstArrival(a.Key + "?s=0") is { } arrived ? Math.Max(0, arrived - a.Value) : Stopwatch.GetTimestamp() - a.Value));
                Console.WriteLine($"soak: {next.TotalMinutes,5:F1} | {RssMb(stack.App.Id),6:F0} | {due,6} | {oldest,6:F1} | {latencies.Summary()} ({latencies.Count} events)");
            }
        });
        var failed = await OfferAsync(ingest, type, perSecond, total, started, accepted);
        await reporter;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (receiver.Unique < accepted.Count * 2 && DateTime.UtcNow < deadline) await Task.Delay(100);
        Console.WriteLine($"soak: {accepted.Count} events accepted ({failed} failed) at {perSecond}/s for {duration.TotalMinutes:F0} min, 2 subscriptions; " +
                          $"{receiver.Unique}/{accepted.Count * 2} deliveries arrived, {receiver.Requests - receiver.Unique} repeats; peak app memory {PeakRssMb(stack.App.Id):F0} MB");
    }

    /// <summary>Posts <paramref name="total"/> events at a steady rate from <paramref name="started"/>; records when each was accepted; returns how many were not.</summary>
    private static async Task<long> OfferAsync(HttpClient ingest, string type, int perSecond, int total, long started, ConcurrentDictionary<string, long> accepted)
    {
        long failed = 0;
        var sends = new List<Task>();
        for (var i = 0; i < total; i++)
        {
            var wait = started + (long)(i * (double)Stopwatch.Frequency / perSecond) - Stopwatch.GetTimestamp();
            if (wait > 0) await Task.Delay(TimeSpan.FromTicks(wait * TimeSpan.TicksPerSecond / Stopwatch.Frequency));
            var n = i;
            sends.Add(Task.Run(async () =>
            {
                using var content = new StringContent($$"""{"type":"{{type}}","payload":{{BenchStack.Payload(n)}}}""", Encoding.UTF8, "application/json");
                using var response = await ingest.PostAsync("/api/v1/events", content);
                var at = Stopwatch.GetTimestamp();
                if (!response.IsSuccessStatusCode) { Interlocked.Increment(ref failed); return; }
                var body = await response.Content.ReadFromJsonAsync<JsonObject>();
                accepted[(string)body!["id"]!] = at;
            }));
            if (sends.Count > 10_000) { await Task.WhenAll(sends); sends.Clear(); }
        }
        await Task.WhenAll(sends);
        return failed;
    }

    private static async Task<(long Due, double OldestSeconds)> QueueLagAsync(BenchStack stack)
    {
        await using var connection = new Npgsql.NpgsqlConnection(stack.Cluster.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT count(*), coalesce(extract(epoch FROM now() - min(next_attempt_at)), 0)::float8 FROM deliveries WHERE status = 'pending' AND next_attempt_at <= now() AND (lease_until IS NULL OR lease_until < now())", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetDouble(1));
    }

    private static double RssMb(int pid) => Status(pid, "VmRSS:");

    private static double PeakRssMb(int pid) => Status(pid, "VmHWM:");

    private static double Status(int pid, string field)
    {
        var line = File.ReadLines($"/proc/{pid}/status").FirstOrDefault(l => l.StartsWith(field));
        return line is null ? double.NaN : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1]) / 1024.0;
    }

    /// <summary>A minimal webhook receiver: counts requests and remembers when each (webhook-id, subscription) first arrived.</summary>
    private sealed class Receiver : IAsyncDisposable
    {
        private readonly WebApplication _app;
        private ConcurrentDictionary<string, long> _first = new();
        private int _requests;

        private Receiver(WebApplication app) => _app = app;

        public string Url { get; private set; } = "";
        public int Unique => _first.Count;
        public int Requests => Volatile.Read(ref _requests);
        public long? FirstArrival(string key) => _first.TryGetValue(key, out var at) ? at : null;

        public void Reset()
        {
            _first = new();
            _requests = 0;
        }

        public static async Task<Receiver> StartAsync()
        {
            var builder = WebApplication.CreateSlimBuilder();
            builder.WebHost.UseUrls("http://127.0.0.1:0");
            builder.Logging.ClearProviders();
            var app = builder.Build();
            var receiver = new Receiver(app);
            app.MapPost("/hook", (HttpContext context) =>
            {
                var at = Stopwatch.GetTimestamp();
                Interlocked.Increment(ref receiver._requests);
                receiver._first.TryAdd(context.Request.Headers["webhook-id"].ToString() + context.Request.QueryString.Value, at);
                return Results.NoContent();
            });
            await app.StartAsync();
            receiver.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/hook";
            return receiver;
        }

        /// <summary>
        /// Answers a few hundred requests and forgets them: a partner's receiver is warm, where this one's first answers are
        /// slow (its code not yet compiled), which the app's first attempts would be charged for.
        /// </summary>
        public async Task WarmUpAsync()
        {
            using var client = new HttpClient();
            for (var i = 0; i < 200; i++) (await client.PostAsync(Url, new StringContent("{}"))).Dispose();
            Reset();
        }

        public async ValueTask DisposeAsync()
        {
            await _app.StopAsync();
            await _app.DisposeAsync();
        }
    }
}
