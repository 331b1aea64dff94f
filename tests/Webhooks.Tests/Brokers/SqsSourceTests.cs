using System.Text.Json;
using Amazon.SQS.Model;
using Webhooks.Tests.Infrastructure;
using static Webhooks.Tests.Brokers.SourceFeed;

namespace Webhooks.Tests.Brokers;

/// <summary>SQS queues consumed as ingest (Webhooks:Sources:Sqs), on a local SQS endpoint.</summary>
public sealed class SqsSourceTests(FauxqsServer sqs) : IClassFixture<FauxqsServer>
{
    private Dictionary<string, string> SourceSettings(string name, string queueUrl) => new()
    {
        [$"Webhooks:Sources:Sqs:{name}:QueueUrl"] = queueUrl,
        [$"Webhooks:Sources:Sqs:{name}:Region"] = FauxqsServer.Region,
        [$"Webhooks:Sources:Sqs:{name}:ServiceUrl"] = sqs.ServiceUrl,
        [$"Webhooks:Sources:Sqs:{name}:AccessKeyId"] = FauxqsServer.AccessKeyId,
        [$"Webhooks:Sources:Sqs:{name}:SecretAccessKey"] = FauxqsServer.SecretAccessKey,
        [$"Webhooks:Sources:Sqs:{name}:WaitTimeSeconds"] = "1",
    };

    private static string Event(string type, int n, object? payload = null) =>
        JsonSerializer.Serialize(new { type, payload = payload ?? new { orderId = $"o-{n}", amount = n } });

    private async Task SendAsync(string queueUrl, IEnumerable<string> bodies)
    {
        foreach (var chunk in bodies.Select((b, i) => (b, i)).Chunk(10))
            await sqs.Client.SendMessageBatchAsync(new SendMessageBatchRequest(queueUrl,
                chunk.Select(m => new SendMessageBatchRequestEntry(m.i.ToString(), m.b)).ToList()));
    }

    [Fact]
    public async Task Messages_become_events_and_are_deleted_and_invalid_ones_reach_the_dead_letter_queue_through_the_redrive_policy()
    {
        var deadLetters = await sqs.CreateQueueAsync();
        var redrive = JsonSerializer.Serialize(new { deadLetterTargetArn = await sqs.QueueArnAsync(deadLetters), maxReceiveCount = 2 });
        var queueUrl = await sqs.CreateQueueAsync(attributes: new() { ["RedrivePolicy"] = redrive, ["VisibilityTimeout"] = "5" });
        var settings = SourceSettings("orders", queueUrl).ToDictionary(p => p.Key, p => (string?)p.Value);
        settings["Webhooks:Workers:Enabled"] = "true";
        await using var app = new ConfiguredApp(settings);
        await app.InitializeAsync();
        var type = await app.Client().CreateEventType();

        await SendAsync(queueUrl, Enumerable.Range(0, 25).Select(i => Event(type, i)).Append("{not json").Append(Event("never.registered", 99)));

        await DeliveryData.WaitUntil(app.ConnectionString, "SELECT count(*) = 25 FROM events WHERE type = $1", [type], "25 events");
        var dead = await sqs.WaitForMessagesAsync(deadLetters, 2, TimeSpan.FromSeconds(60));
        Assert.Equal(new[] { "{not json", Event("never.registered", 99) }.Order(), dead.Select(m => m.Body).Order());
        Assert.Contains(app.Logs.Entries, e => e.Contains("redrive policy") && e.Contains("malformed-json"));
        Assert.Contains(app.Logs.Entries, e => e.Contains("redrive policy") && e.Contains("unknown-event-type"));
        Assert.Equal(0, await sqs.CountAsync(queueUrl));
        Assert.Equal(25, await EventCount(app.ConnectionString, type));
    }

    [Fact]
    public async Task Killing_the_app_while_it_consumes_makes_each_message_exactly_one_event()
    {
        const int count = 3000;
        // Messages received by the killed app come back after the visibility timeout.
        var queueUrl = await sqs.CreateQueueAsync(attributes: new() { ["VisibilityTimeout"] = "3" });
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        string type;
        await using (var setup = await AppProcess.StartAsync(connectionString, new Dictionary<string, string> { ["Webhooks:Workers:Enabled"] = "false" }))
            type = await setup.Client().CreateEventType();
        var settings = SourceSettings("orders", queueUrl);
        settings["Webhooks:Workers:Enabled"] = "true";
        settings["Logging:LogLevel:Default"] = "Warning";

        // Sent while the first instance consumes them; it is killed at 300 events (see SourceFeed.FeedThenKillAsync).
        int sent;
        long atKill;
        await using (var first = await AppProcess.StartAsync(connectionString, settings))
            (sent, atKill) = await FeedThenKillAsync(first, connectionString, type,
                (from, n) => SendAsync(queueUrl, Enumerable.Range(from, n).Select(i => Event(type, i))), chunk: 150, killAt: 300);
        await SendAsync(queueUrl, Enumerable.Range(sent, count - sent).Select(i => Event(type, i)));
        Assert.InRange(atKill, 1, count - 1);

        await using (var second = await AppProcess.StartAsync(connectionString, settings))
        {
            await DeliveryData.WaitUntil(connectionString, "SELECT count(*) >= $2 FROM events WHERE type = $1", [type, (long)count],
                $"{count} events", TimeSpan.FromSeconds(120));
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (await sqs.CountAsync(queueUrl) > 0 && DateTime.UtcNow < deadline) await Task.Delay(200);
        }
        Assert.Equal(0, await sqs.CountAsync(queueUrl));
        Assert.Equal(count, await EventCount(connectionString, type));
        Assert.Equal((long)count, await DeliveryData.Scalar<long>(connectionString,
            "SELECT count(DISTINCT payload::jsonb ->> 'orderId') FROM events WHERE type = $1", type));
    }
}
