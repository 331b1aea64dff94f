using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Webhooks.Bench;

/// <summary>
/// Single-event POSTs from 64 connections, and 500-event batches; every event matches 3 subscriptions. The same payloads are
/// posted in the native shape and as CloudEvents (structured, binary, batches), the figures printed side by side.
/// </summary>
public static class IngestBench
{
    private const int Connections = 64;
    private const int BatchConnections = 8;

    // The machine's speed drifts from minute to minute (its host is shared): the hot-path figures are each measured
    // in several rounds, and the median round is the one to quote.
    private const int Rounds = 3;

    public static async Task RunSinglesAsync(BenchStack stack, TimeSpan duration)
    {
        var (type, key) = await stack.SeedAsync(subscriptions: 3, url: "https://receiver.example/hook");
        using var client = LoadClient(stack, key, Connections);

        await SinglesAsync(client, type, TimeSpan.FromSeconds(10)); // warm-up: JIT, pools, caches
        if (Wrk.EnsureInstalled())
        {
            Wrk.PostEvents(stack.App.Address, type, key, Connections, TimeSpan.FromSeconds(10)); // warm-up: wrk's connections and requests
            await InRoundsAsync($"single events (wrk, {Connections} connections)", async () =>
            {
                var cpu = Cpu(stack);
                var counters = await stack.CountersAsync();
                var result = Wrk.PostEvents(stack.App.Address, type, key, Connections, duration);
                var accepted = (long)(result.RequestsPerSecond * duration.TotalSeconds) - result.Failed;
                return (accepted / duration.TotalSeconds, $"{result.RequestsPerSecond:F0} requests/s ({result.Failed} not 202); latency {result.Latency}; " +
                    $"{(await stack.CountersAsync()).Since(counters, accepted)}; CPU per event: {PerEvent(stack, cpu, accepted)}");
            });
        }
        else Console.WriteLine("ingest, single events (wrk): skipped, wrk is missing and could not be installed");

        // The same payloads in each shape, the shapes taking turns within a round so that the machine's drift falls on all of them.
        // A CloudEvent always claims an idempotency key ((source, id)), so the fair native figure is the one with Idempotency-Key.
        foreach (var shape in Shapes) await SinglesAsync(client, type, TimeSpan.FromSeconds(2), shape: shape); // warm-up of each shape's path
        var rates = Shapes.ToDictionary(s => s, _ => new List<double>());
        for (var round = 1; round <= Rounds; round++)
            foreach (var shape in Shapes)
            {
                var cpu = Cpu(stack);
                var counters = await stack.CountersAsync();
                var (singles, failed, latencies) = await SinglesAsync(client, type, duration, shape: shape);
                rates[shape].Add(singles / duration.TotalSeconds);
                Console.WriteLine($"  round {round}, single events (HttpClient), {shape}: {singles / duration.TotalSeconds:F0} events/s accepted ({failed} failed), {Connections} connections; " +
                    $"latency {latencies.Summary()}; {(await stack.CountersAsync()).Since(counters, singles)}; CPU per event: {PerEvent(stack, cpu, singles)}");
            }
        foreach (var shape in Shapes)
            Console.WriteLine($"ingest, single events (HttpClient), {shape}: median {rates[shape].Order().ElementAt(Rounds / 2):F0} events/s accepted " +
                $"(rounds: {string.Join(", ", rates[shape].Select(r => r.ToString("F0")))})");
    }

    /// <summary>The shapes a single event can be posted in.</summary>
    public enum Shape { Native, NativeWithIdempotencyKey, CloudEventStructured, CloudEventBinary }

    private static readonly Shape[] Shapes = Enum.GetValues<Shape>();

    /// <summary>One event's request in a shape; <paramref name="n"/> makes its payload, idempotency key or CloudEvent id unique.</summary>
    private static HttpRequestMessage Request(Shape shape, string type, int n)
    {
        var payload = BenchStack.Payload(n);
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events");
        switch (shape)
        {
            case Shape.Native or Shape.NativeWithIdempotencyKey:
                request.Content = new StringContent($$"""{"type":"{{type}}","payload":{{payload}}}""", Encoding.UTF8, "application/json");
                if (shape == Shape.NativeWithIdempotencyKey) request.Headers.Add("Idempotency-Key", $"bench-{RunId}-{n}");
                break;
            case Shape.CloudEventStructured:
                request.Content = new StringContent(CloudEvent(type, n, payload), Encoding.UTF8, "application/cloudevents+json");
                break;
            case Shape.CloudEventBinary:
                request.Content = new StringContent(payload, Encoding.UTF8, "application/json");
                request.Headers.Add("ce-specversion", "1.0");
                request.Headers.Add("ce-id", $"bench-{RunId}-{n}");
                request.Headers.Add("ce-source", "/bench");
                request.Headers.Add("ce-type", type);
                break;
        }
        return request;
    }

    private static string CloudEvent(string type, int n, string payload) =>
        $$"""{"specversion":"1.0","id":"bench-{{RunId}}-{{n}}","source":"/bench","type":"{{type}}","data":{{payload}}}""";

    /// <summary>Keeps ids and keys unique across the runs against one database.</summary>
    private static readonly string RunId = Guid.NewGuid().ToString("N")[..8];

    public static async Task RunBatchesAsync(BenchStack stack, TimeSpan duration)
    {
        var (type, key) = await stack.SeedAsync(subscriptions: 3, url: "https://receiver.example/hook");
        using var client = LoadClient(stack, key, BatchConnections);

        await BatchesAsync(client, type, TimeSpan.FromSeconds(20)); // warm-up: JIT, pools, caches, the GC's budgets
        await BatchesAsync(client, type, TimeSpan.FromSeconds(5), cloudEvents: true);
        foreach (var cloudEvents in new[] { false, true })
            await InRoundsAsync($"batches of 500{(cloudEvents ? " CloudEvents (application/cloudevents-batch+json)" : "")} ({BatchConnections} connections)", async () =>
            {
                var cpu = Cpu(stack);
                var counters = await stack.CountersAsync();
                var (events, failed, latencies) = await BatchesAsync(client, type, duration, cloudEvents);
                return (events / duration.TotalSeconds, $"{events / duration.TotalSeconds:F0} events/s accepted ({failed} failed batches) onto {counters.EventsInserted / 1000}k events; " +
                    $"batch latency {latencies.Summary()}; {(await stack.CountersAsync()).Since(counters, events)}; CPU per event: {PerEvent(stack, cpu, events)}");
            });
    }

    /// <summary>Runs a measurement <see cref="Rounds"/> times, printing each round, then the median round's rate.</summary>
    private static async Task InRoundsAsync(string what, Func<Task<(double EventsPerSecond, string Detail)>> measure)
    {
        var rates = new List<double>();
        for (var round = 1; round <= Rounds; round++)
        {
            var (rate, detail) = await measure();
            Console.WriteLine($"  round {round}, {what}: {detail}");
            rates.Add(rate);
        }
        var median = rates.Order().ElementAt(Rounds / 2);
        Console.WriteLine($"ingest, {what}: median {median:F0} events/s accepted (rounds: {string.Join(", ", rates.Select(r => r.ToString("F0")))})");
    }

    /// <summary>GET /healthz from as many connections: what the framework and the machine cost per request.</summary>
    public static async Task BaselineAsync(BenchStack stack, TimeSpan duration)
    {
        using var client = LoadClient(stack, "none", Connections);
        long done = 0;
        var stop = System.Diagnostics.Stopwatch.StartNew();
        var cpu = Cpu(stack);
        await Task.WhenAll(Enumerable.Range(0, Connections).Select(_ => Task.Run(async () =>
        {
            while (stop.Elapsed < duration)
            {
                using var response = await client.GetAsync("/healthz");
                Interlocked.Increment(ref done);
            }
        })));
        Console.WriteLine($"baseline GET /healthz: {done / duration.TotalSeconds:F0} requests/s; CPU per request: {PerEvent(stack, cpu, done)}");
    }

    private static CpuSeconds Cpu(BenchStack stack) => new(CpuTime.Of(stack.App.Id), CpuTime.OfPostgres(stack.Cluster.DataDirectory),
        CpuTime.Of(Environment.ProcessId), CpuTime.MachineBusy(), CpuTime.MachineStolen());

    private readonly record struct CpuSeconds(double App, double Postgres, double Bench, double Busy, double Stolen);

    // "busy" is every process on the machine, wrk and the kernel included; "stolen" is time the host gave the cores to someone else.
    private static string PerEvent(BenchStack stack, CpuSeconds before, long events)
    {
        var now = Cpu(stack);
        string Micros(double seconds) => $"{seconds * 1e6 / Math.Max(1, events):F0} µs";
        return $"app {Micros(now.App - before.App)}, PostgreSQL {Micros(now.Postgres - before.Postgres)}, bench process {Micros(now.Bench - before.Bench)}, " +
            $"machine busy {Micros(now.Busy - before.Busy)}, stolen {Micros(now.Stolen - before.Stolen)}";
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

    public static async Task<(long Accepted, long Failed, Latencies Latencies)> SinglesAsync(
        HttpClient client, string type, TimeSpan duration, int connections = Connections, Shape shape = Shape.Native)
    {
        var latencies = new Latencies();
        long accepted = 0, failed = 0;
        var stop = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, connections).Select(_ => Task.Run(async () =>
        {
            var mine = new List<long>(100_000);
            while (stop.Elapsed < duration)
            {
                using var request = Request(shape, type, (int)Interlocked.Increment(ref Sequence));
                var started = Stopwatch.GetTimestamp();
                using var response = await client.SendAsync(request);
                mine.Add(Stopwatch.GetTimestamp() - started);
                if (response.StatusCode == HttpStatusCode.Accepted) Interlocked.Increment(ref accepted);
                else Interlocked.Increment(ref failed);
            }
            latencies.Add(mine);
        })));
        return (accepted, failed, latencies);
    }

    /// <summary>Numbers the events of a run, so that every idempotency key and CloudEvent id is new.</summary>
    private static long Sequence;

    private static async Task<(long Events, long Failed, Latencies Latencies)> BatchesAsync(HttpClient client, string type, TimeSpan duration, bool cloudEvents = false)
    {
        var latencies = new Latencies();
        long events = 0, failed = 0;
        var stop = Stopwatch.StartNew();
        await Task.WhenAll(Enumerable.Range(0, BatchConnections).Select(_ => Task.Run(async () =>
        {
            var mine = new List<long>();
            while (stop.Elapsed < duration)
            {
                var body = new StringBuilder(cloudEvents ? "[" : """{"events":[""");
                for (var i = 0; i < 500; i++)
                {
                    var n = (int)Interlocked.Increment(ref Sequence);
                    body.Append(i == 0 ? "" : ",").Append(cloudEvents
                        ? CloudEvent(type, n, BenchStack.Payload(n))
                        : $$"""{"type":"{{type}}","payload":{{BenchStack.Payload(n)}}}""");
                }
                body.Append(cloudEvents ? "]" : "]}");
                var started = Stopwatch.GetTimestamp();
                using var response = cloudEvents
                    ? await client.PostAsync("/api/v1/events", new StringContent(body.ToString(), Encoding.UTF8, "application/cloudevents-batch+json"))
                    : await client.PostAsync("/api/v1/events/batch", new StringContent(body.ToString(), Encoding.UTF8, "application/json"));
                mine.Add(Stopwatch.GetTimestamp() - started);
                if (response.IsSuccessStatusCode) Interlocked.Add(ref events, 500);
                else Interlocked.Increment(ref failed);
            }
            latencies.Add(mine);
        })));
        return (events, failed, latencies);
    }
}
