using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Webhooks.Bench;

/// <summary>Single-event POSTs from 64 connections, then 500-event batches; every event matches 3 subscriptions.</summary>
public static class IngestBench
{
    private const int Connections = 64;
    private const int BatchConnections = 4;

    public static async Task RunAsync(BenchStack stack, TimeSpan duration)
    {
        var (type, key) = await stack.SeedAsync(subscriptions: 3, url: "https://receiver.example/hook");
        using var client = LoadClient(stack, key, Connections);

        await SinglesAsync(client, type, TimeSpan.FromSeconds(3)); // warm-up: JIT, pools, caches
        var (accepted, failed, latencies) = await SinglesAsync(client, type, duration);
        Console.WriteLine($"ingest, single events: {accepted / duration.TotalSeconds:F0} events/s accepted ({failed} failed), {Connections} connections; latency {latencies.Summary()}");

        var (batchEvents, batchFailed, batchLatencies) = await BatchesAsync(client, type, duration);
        Console.WriteLine($"ingest, batches of 500: {batchEvents / duration.TotalSeconds:F0} events/s accepted ({batchFailed} failed batches), {BatchConnections} connections; batch latency {batchLatencies.Summary()}");
    }

    public static HttpClient LoadClient(BenchStack stack, string key, int connections)
    {
        var client = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = connections, PooledConnectionLifetime = Timeout.InfiniteTimeSpan })
        {
            BaseAddress = stack.App.Address,
            Timeout = TimeSpan.FromSeconds(30),
        };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return client;
    }

    public static async Task<(long Accepted, long Failed, Latencies Latencies)> SinglesAsync(HttpClient client, string type, TimeSpan duration, int connections = Connections)
    {
        var latencies = new Latencies();
        long accepted = 0, failed = 0, sequence = 0;
        var stop = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
        {
            var mine = new List<long>(100_000);
            while (stop.Elapsed < duration)
            {
                var body = $$"""{"type":"{{type}}","payload":{{BenchStack.Payload((int)Interlocked.Increment(ref sequence))}}}""";
                var started = Stopwatch.GetTimestamp();
                using var response = await client.PostAsync("/api/v1/events", new StringContent(body, Encoding.UTF8, "application/json"));
                mine.Add(Stopwatch.GetTimestamp() - started);
                if (response.StatusCode == HttpStatusCode.Accepted) Interlocked.Increment(ref accepted);
                else Interlocked.Increment(ref failed);
            }
            latencies.Add(mine);
        })));
        return (accepted, failed, latencies);
    }

    private static async Task<(long Events, long Failed, Latencies Latencies)> BatchesAsync(HttpClient client, string type, TimeSpan duration)
    {
        var latencies = new Latencies();
        long events = 0, failed = 0, sequence = 0;
        var stop = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, BatchConnections).Select(_ => Task.Run(async () =>
        {
            var mine = new List<long>();
            while (stop.Elapsed < duration)
            {
                var body = new StringBuilder("""{"events":[""");
                for (var i = 0; i < 500; i++)
                    body.Append(i == 0 ? "" : ",").Append($$"""{"type":"{{type}}","payload":{{BenchStack.Payload((int)Interlocked.Increment(ref sequence))}}}""");
                body.Append("]}");
                var started = Stopwatch.GetTimestamp();
                using var response = await client.PostAsync("/api/v1/events/batch", new StringContent(body.ToString(), Encoding.UTF8, "application/json"));
                mine.Add(Stopwatch.GetTimestamp() - started);
                if (response.IsSuccessStatusCode) Interlocked.Add(ref events, 500);
                else Interlocked.Increment(ref failed);
            }
            latencies.Add(mine);
        })));
        return (events, failed, latencies);
    }
}
