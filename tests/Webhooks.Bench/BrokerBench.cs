using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Amazon.SQS.Model;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Bench;

/// <summary>
/// Brokers in and out: deliveries per second to a RabbitMQ exchange and to an SQS queue (a private RabbitMQ node, the local
/// SQS endpoint fauxqs), and source messages per second turned into events. Delivery: events posted in batches of 500 by
/// 4 senders to one subscription, timed from the first POST until every delivery is recorded succeeded. Source: a backlog
/// already on the queue, timed from the moment a consuming instance is ready until every message is an event.
/// </summary>
public static class BrokerBench
{
    public static Task RabbitMqDeliveryAsync(int events) => With(new RabbitMqNode(), async rabbit =>
    {
        var (exchange, queue) = await rabbit.DeclareAsync("bench");
        await using var stack = await BenchStack.StartAsync(DeliveryBench.Settings);
        await using var connection = await rabbit.ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await DeliverAsync(stack, "rabbitmq", events, new { type = "rabbitmq", connection = rabbit.Uri, exchange, routingKey = "bench" },
            async () => (await channel.QueueDeclarePassiveAsync(queue)).MessageCount);
        Console.WriteLine($"  ({await rabbit.CountAsync(queue)} messages on the queue)");
    });

    public static Task SqsDeliveryAsync(int events) => With(new FauxqsServer(), async sqs =>
    {
        var queueUrl = await sqs.CreateQueueAsync();
        await using var stack = await BenchStack.StartAsync(DeliveryBench.Settings);
        await DeliverAsync(stack, "sqs", events, new
        {
            type = "sqs", queueUrl, region = FauxqsServer.Region, accessKeyId = FauxqsServer.AccessKeyId,
            secretAccessKey = FauxqsServer.SecretAccessKey, serviceUrl = sqs.ServiceUrl,
        }, async () => await sqs.CountAsync(queueUrl));
        Console.WriteLine($"  ({await sqs.CountAsync(queueUrl)} messages on the queue)");
    });

    public static Task RabbitMqSourceAsync(int messages) => With(new RabbitMqNode(), async rabbit =>
    {
        var (_, queue) = await rabbit.DeclareAsync();
        await using var stack = await BenchStack.StartAsync();
        var type = await SeedTypeAsync(stack);
        var publishing = Stopwatch.StartNew();
        await rabbit.PublishAsync(queue, Enumerable.Range(0, messages).Select(i => ((string?)$"m-{i}", Body(type, i))));
        Console.WriteLine($"rabbitmq source: {messages} messages published (confirmed) in {publishing.Elapsed.TotalSeconds:F1} s");
        await ConsumeAsync(stack, "rabbitmq", messages, type, new()
        {
            ["Webhooks:Sources:RabbitMq:bench:Connection"] = rabbit.Uri,
            ["Webhooks:Sources:RabbitMq:bench:Queue"] = queue,
        });
    });

    public static Task SqsSourceAsync(int messages) => With(new FauxqsServer(), async sqs =>
    {
        var queueUrl = await sqs.CreateQueueAsync();
        await using var stack = await BenchStack.StartAsync();
        var type = await SeedTypeAsync(stack);
        var publishing = Stopwatch.StartNew();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            for (var batch = Interlocked.Increment(ref next); batch * 10 < messages; batch = Interlocked.Increment(ref next))
                await sqs.Client.SendMessageBatchAsync(new SendMessageBatchRequest(queueUrl, Enumerable.Range(batch * 10, Math.Min(10, messages - batch * 10))
                    .Select(i => new SendMessageBatchRequestEntry(i.ToString(), Encoding.UTF8.GetString(Body(type, i)))).ToList()));
        })));
        Console.WriteLine($"sqs source: {messages} messages sent in {publishing.Elapsed.TotalSeconds:F1} s");
        await ConsumeAsync(stack, "sqs", messages, type, new()
        {
            ["Webhooks:Sources:Sqs:bench:QueueUrl"] = queueUrl,
            ["Webhooks:Sources:Sqs:bench:Region"] = FauxqsServer.Region,
            ["Webhooks:Sources:Sqs:bench:ServiceUrl"] = sqs.ServiceUrl,
            ["Webhooks:Sources:Sqs:bench:AccessKeyId"] = FauxqsServer.AccessKeyId,
            ["Webhooks:Sources:Sqs:bench:SecretAccessKey"] = FauxqsServer.SecretAccessKey,
            ["Webhooks:Sources:Sqs:bench:Receivers"] = "8",
        });
    });

    /// <summary>
    /// Posts the events and waits until every delivery is recorded succeeded. While they go, the round watches the queue's
    /// depth (one cheap call to the broker), not the deliveries table: counting that growing table every 20 ms is the
    /// harness's own work, and it took PostgreSQL's time from the product it measures. The table is counted once the queue
    /// holds them all.
    /// </summary>
    private static async Task DeliverAsync(BenchStack stack, string kind, int events, object destination, Func<Task<long>> onTheQueue)
    {
        var admin = stack.App.Client();
        var type = await SeedTypeAsync(stack);
        var partner = await (await admin.PostAsJsonAsync("/api/v1/partners", new { name = "bench" })).Content.ReadFromJsonAsync<JsonObject>();
        (await admin.PostAsJsonAsync("/api/v1/subscriptions", new { partnerId = (string)partner!["id"]!, eventTypes = new[] { type }, destination }))
            .EnsureSuccessStatusCode();
        var key = await (await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "bench", scopes = new[] { "ingest" } })).Content.ReadFromJsonAsync<JsonObject>();
        using var ingest = stack.App.Client((string)key!["key"]!);
        var cpu = (App: CpuTime.Of(stack.App.Id), Postgres: CpuTime.OfPostgres(stack.Cluster.DataDirectory));
        var started = Stopwatch.StartNew();
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => Task.Run(async () =>
        {
            for (var batch = Interlocked.Increment(ref next); batch * 500 < events; batch = Interlocked.Increment(ref next))
            {
                var items = Enumerable.Range(batch * 500, Math.Min(500, events - batch * 500)).Select(i => new { type, payload = JsonNode.Parse(BenchStack.Payload(i)) });
                (await ingest.PostAsJsonAsync("/api/v1/events/batch", new { events = items })).EnsureSuccessStatusCode();
            }
        })));
        var posted = started.Elapsed;
        long succeeded;
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (await onTheQueue() < events && DateTime.UtcNow < deadline) await Task.Delay(20);
        while ((succeeded = await CountAsync(stack, "SELECT count(*) FROM deliveries WHERE status = 'succeeded'")) < events && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        var elapsed = started.Elapsed;
        var appCpu = (CpuTime.Of(stack.App.Id) - cpu.App) * 1e6 / Math.Max(1, succeeded);
        var postgresCpu = (CpuTime.OfPostgres(stack.Cluster.DataDirectory) - cpu.Postgres) * 1e6 / Math.Max(1, succeeded);
        var failed = await CountAsync(stack, "SELECT count(*) FROM attempts WHERE error_kind IS NOT NULL");
        var p50 = await CountAsync(stack, "SELECT percentile_disc(0.5) WITHIN GROUP (ORDER BY duration_ms)::bigint FROM attempts");
        var p99 = await CountAsync(stack, "SELECT percentile_disc(0.99) WITHIN GROUP (ORDER BY duration_ms)::bigint FROM attempts");
        Console.WriteLine($"{kind} delivery: {succeeded}/{events} deliveries succeeded in {elapsed.TotalSeconds:F1} s: {succeeded / elapsed.TotalSeconds:F0} deliveries/s " +
                          $"(first POST to last confirm; ingest took {posted.TotalSeconds:F1} s); {failed} failed attempts; " +
                          $"CPU per delivery (ingest included): app {appCpu:F0} µs, PostgreSQL {postgresCpu:F0} µs; " +
                          $"attempt (send to confirm) p50 {p50} ms, p99 {p99} ms");
    }

    private static async Task ConsumeAsync(BenchStack stack, string kind, int messages, string type, Dictionary<string, string> sourceSettings)
    {
        var settings = new Dictionary<string, string>(DeliveryBench.Settings);
        foreach (var (key, value) in sourceSettings) settings[key] = value;
        await using var consumer = await AppProcess.StartAsync(stack.Cluster.ConnectionString, settings);
        var cpu = CpuTime.Of(consumer.Id);
        var started = Stopwatch.StartNew();
        long count;
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while ((count = await CountAsync(stack, $"SELECT count(*) FROM events WHERE type = '{type}'")) < messages && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        var elapsed = started.Elapsed;
        Console.WriteLine($"{kind} source: {count}/{messages} messages became events in {elapsed.TotalSeconds:F1} s: {count / elapsed.TotalSeconds:F0} messages/s " +
                          $"(from the consuming instance being ready); app CPU {(CpuTime.Of(consumer.Id) - cpu) * 1e6 / Math.Max(1, count):F0} µs per message");
    }

    private static async Task<string> SeedTypeAsync(BenchStack stack)
    {
        var type = "bench.order" + Guid.NewGuid().ToString("N")[..6];
        (await stack.App.Client().PostAsJsonAsync("/api/v1/event-types", new { name = type, schema = new { type = "object", required = new[] { "orderId" } } }))
            .EnsureSuccessStatusCode();
        return type;
    }

    private static byte[] Body(string type, int i) =>
        Encoding.UTF8.GetBytes($$"""{"type":"{{type}}","payload":{{BenchStack.Payload(i)}}}""");

    private static async Task<long> CountAsync(BenchStack stack, string sql)
    {
        await using var connection = new Npgsql.NpgsqlConnection(stack.Cluster.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(sql, connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Starts the broker, runs the round, and takes the broker down however the round ended.</summary>
    private static async Task With<T>(T broker, Func<T, Task> round) where T : Xunit.IAsyncLifetime
    {
        try
        {
            await broker.InitializeAsync();
            await round(broker);
        }
        finally
        {
            await broker.DisposeAsync();
        }
    }
}
