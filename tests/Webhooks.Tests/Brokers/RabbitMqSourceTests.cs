using System.Text;
using System.Text.Json;
using RabbitMQ.Client;
using Webhooks.Tests.Infrastructure;
using static Webhooks.Tests.Brokers.SourceFeed;

namespace Webhooks.Tests.Brokers;

/// <summary>RabbitMQ queues consumed as ingest (Webhooks:Sources:RabbitMq), on a private node.</summary>
public sealed class RabbitMqSourceTests(RabbitMqNode rabbit) : IClassFixture<RabbitMqNode>
{
    /// <summary>The app with workers (and so sources) on, consuming each queue as a source named after it.</summary>
    private async Task<ConfiguredApp> StartAppAsync(params (string Queue, string? DeadLetterExchange)[] sources)
    {
        var settings = new Dictionary<string, string?>
        {
            ["Webhooks:Workers:Enabled"] = "true", ["Webhooks:Workers:PollInterval"] = "00:00:00.200", ["Webhooks:Delivery:AllowedNetworks:0"] = "127.0.0.1/32",
        };
        foreach (var (queue, deadLetters) in sources)
        {
            settings[$"Webhooks:Sources:RabbitMq:{queue}:Connection"] = rabbit.Uri;
            settings[$"Webhooks:Sources:RabbitMq:{queue}:Queue"] = queue;
            if (deadLetters is not null) settings[$"Webhooks:Sources:RabbitMq:{queue}:DeadLetterExchange"] = deadLetters;
        }
        var app = new ConfiguredApp(settings);
        await app.InitializeAsync();
        return app;
    }

    private static byte[] Event(string type, int n, object? payload = null) =>
        JsonSerializer.SerializeToUtf8Bytes(new { type, payload = payload ?? new { orderId = $"o-{n}", amount = n } });

    [Fact]
    public async Task Messages_become_events_once_per_message_id_and_leave_the_queue_only_once_committed()
    {
        var (_, queue) = await rabbit.DeclareAsync();
        var app = await StartAppAsync((queue, null));
        var admin = app.Client();
        var type = await admin.CreateEventType();
        var partner = await admin.CreatePartner();
        await using var receiver = await TestReceiver.StartAsync();
        await app.Client().CreateSubscription(partner, receiver.Url, type);

        var messages = Enumerable.Range(0, 40).Select(i => ((string?)$"msg-{i}", Event(type, i))).ToList();
        await rabbit.PublishAsync(queue, messages);
        // The same ids again, as a publisher retrying after a lost confirm would send them: no new events.
        await rabbit.PublishAsync(queue, messages.Take(10));

        await DeliveryData.WaitUntil(app.ConnectionString, "SELECT count(*) = 40 FROM events WHERE type = $1", [type], "40 events");
        await receiver.WaitForCount(40);
        await rabbit.WaitUntilSettledAsync(queue);
        Assert.Equal(40, await EventCount(app.ConnectionString, type));
        Assert.Equal(40L, await DeliveryData.Scalar<long>(app.ConnectionString,
            "SELECT count(DISTINCT payload::jsonb ->> 'orderId') FROM events WHERE type = $1", type));
        Assert.Contains(app.Logs.Entries, e => e.Contains($"consumes queue {queue}"));

        await app.DisposeAsync();
        Assert.Contains(app.Logs.Entries, e => e.Contains($"RabbitMQ source {queue} stopped"));
    }

    [Fact]
    public async Task Invalid_messages_go_to_the_dead_letter_exchange_with_the_reason_and_a_log_line()
    {
        var (deadLetters, deadLetterQueue) = await rabbit.DeclareAsync("#");
        await using (var connection = await rabbit.ConnectAsync())
        await using (var channel = await connection.CreateChannelAsync())
        {
            await channel.ExchangeDeclareAsync(deadLetters + "-topic", ExchangeType.Topic, durable: true);
            await channel.QueueBindAsync(deadLetterQueue, deadLetters + "-topic", "#");
        }
        var (_, queue) = await rabbit.DeclareAsync();
        // A second source without a dead-letter exchange of its own: its queue's x-dead-letter-exchange takes what it rejects.
        var (_, queueDeadLetters) = await rabbit.DeclareAsync("#");
        var (_, plainQueue) = await rabbit.DeclareAsync(queueArguments: new Dictionary<string, object?>
        {
            ["x-dead-letter-exchange"] = queueDeadLetters, ["x-dead-letter-routing-key"] = "#",
        });
        await using var app = await StartAppAsync((queue, deadLetters + "-topic"), (plainQueue, null));
        var type = await app.Client().CreateEventType();

        await rabbit.PublishAsync(queue, [
            ("bad-json", Encoding.UTF8.GetBytes("{\"type\": ")),
            ("unknown-type", Event("never.registered", 1)),
            ("schema", Event(type, 2, new { orderId = 7, amount = -1 })),
            ("good", Event(type, 3)),
            ("good", Event(type, 4)),
        ]);
        await rabbit.PublishAsync(queue, [("xml", Encoding.UTF8.GetBytes("<order/>"))], contentType: "application/xml");
        await rabbit.PublishAsync(plainQueue, [("plain-bad", Encoding.UTF8.GetBytes("not json"))]);

        var dead = await rabbit.WaitForMessagesAsync(deadLetterQueue, 5);
        var reasons = dead.ToDictionary(m => m.BasicProperties.MessageId!, m => BrokerApi.Header(m.BasicProperties.Headers, "x-webhooks-rejection")!);
        Assert.StartsWith("malformed-json:", reasons["bad-json"]);
        Assert.StartsWith("unknown-event-type:", reasons["unknown-type"]);
        Assert.StartsWith("payload-invalid:", reasons["schema"]);
        Assert.Contains("$.payload.orderId", reasons["schema"]);
        Assert.Contains("$.payload.amount", reasons["schema"]);
        Assert.StartsWith("conflict:", reasons["good"]);
        Assert.StartsWith("unsupported-content-type:", reasons["xml"]);
        Assert.All(dead, m => Assert.Equal(queue, BrokerApi.Header(m.BasicProperties.Headers, "x-webhooks-source")));
        Assert.Equal("{\"type\": ", Encoding.UTF8.GetString(dead.Single(m => m.BasicProperties.MessageId == "bad-json").Body.Span));

        var rejected = Assert.Single(await rabbit.WaitForMessagesAsync(queueDeadLetters, 1));
        Assert.Equal("plain-bad", rejected.BasicProperties.MessageId);
        Assert.Contains(app.Logs.Entries, e => e.Contains("plain-bad") && e.Contains("malformed-json"));
        Assert.Contains(app.Logs.Entries, e => e.Contains("unknown-type") && e.Contains("unknown-event-type"));

        Assert.Equal(1, await EventCount(app.ConnectionString, type));
        await rabbit.WaitUntilSettledAsync(queue);
        await rabbit.WaitUntilSettledAsync(plainQueue);
    }

    [Fact]
    public async Task The_source_reconnects_when_the_broker_comes_back()
    {
        var (_, queue) = await rabbit.DeclareAsync();
        await rabbit.SyncMetadataAsync();
        await using var app = await StartAppAsync((queue, null));
        var type = await app.Client().CreateEventType();
        await rabbit.PublishAsync(queue, [("before", Event(type, 1))]);
        await DeliveryData.WaitUntil(app.ConnectionString, "SELECT count(*) = 1 FROM events WHERE type = $1", [type], "the first event");

        rabbit.Kill();
        await rabbit.StartAsync();
        await rabbit.PublishAsync(queue, [("after", Event(type, 2))]);

        await DeliveryData.WaitUntil(app.ConnectionString, "SELECT count(*) = 2 FROM events WHERE type = $1", [type], "the event sent after the restart",
            TimeSpan.FromSeconds(60));
        Assert.Contains(app.Logs.Entries, e => e.Contains("connecting again"));
    }

    [Fact]
    public async Task Killing_the_app_while_it_consumes_ten_thousand_messages_makes_each_exactly_one_event()
    {
        const int count = 10_000;
        var (_, queue) = await rabbit.DeclareAsync();
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var settings = new Dictionary<string, string>
        {
            ["Webhooks:Workers:Enabled"] = "true",
            ["Webhooks:Sources:RabbitMq:orders:Connection"] = rabbit.Uri,
            ["Webhooks:Sources:RabbitMq:orders:Queue"] = queue,
            ["Logging:LogLevel:Default"] = "Warning",
        };
        string type;
        await using (var setup = await AppProcess.StartAsync(connectionString, new Dictionary<string, string> { ["Webhooks:Workers:Enabled"] = "false" }))
            type = await setup.Client().CreateEventType();
        // Published while the first instance consumes them; it is killed at 1,000 events (see SourceFeed.FeedThenKillAsync).
        int published;
        long atKill;
        await using (var first = await AppProcess.StartAsync(connectionString, settings))
            (published, atKill) = await FeedThenKillAsync(first, connectionString, type,
                (from, n) => rabbit.PublishAsync(queue, Enumerable.Range(from, n).Select(i => ((string?)$"m-{i}", Event(type, i)))), chunk: 500, killAt: 1000);
        await rabbit.PublishAsync(queue, Enumerable.Range(published, count - published).Select(i => ((string?)$"m-{i}", Event(type, i))));
        Assert.InRange(atKill, 1, count - 1);

        await using (var second = await AppProcess.StartAsync(connectionString, settings))
        {
            await DeliveryData.WaitUntil(connectionString, "SELECT count(*) >= $2 FROM events WHERE type = $1", [type, (long)count],
                $"{count} events", TimeSpan.FromSeconds(120));
            await rabbit.WaitUntilSettledAsync(queue);
        }
        Assert.Equal(count, await EventCount(connectionString, type));
        Assert.Equal((long)count, await DeliveryData.Scalar<long>(connectionString,
            "SELECT count(DISTINCT payload::jsonb ->> 'orderId') FROM events WHERE type = $1", type));
    }
}
