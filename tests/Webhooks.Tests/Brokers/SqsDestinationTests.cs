using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Brokers;

/// <summary>Deliveries to SQS queues on a local SQS endpoint (fauxqs), read back with the AWS SDK.</summary>
public sealed class SqsDestinationTests(FauxqsServer sqs, DeliveryApp app) : IClassFixture<FauxqsServer>, IClassFixture<DeliveryApp>
{
    private readonly HttpClient _admin = app.Client();

    [Fact]
    public async Task Deliveries_reach_the_queue_with_the_body_the_webhook_attributes_and_a_signature_that_verifies()
    {
        var queueUrl = await sqs.CreateQueueAsync();
        var type = await _admin.CreateEventType();
        var partner = await _admin.CreatePartner();
        var subscription = await _admin.PostAsJsonAsync("/api/v1/subscriptions", new
        {
            partnerId = partner, eventTypes = new[] { type }, headers = new Dictionary<string, string> { ["x-tenant"] = "acme" },
            destination = new
            {
                type = "sqs", queueUrl, region = FauxqsServer.Region, accessKeyId = FauxqsServer.AccessKeyId,
                secretAccessKey = FauxqsServer.SecretAccessKey, serviceUrl = sqs.ServiceUrl,
            },
        }).Expect(HttpStatusCode.Created);
        var id = Guid.Parse((string)subscription["id"]!);
        var secret = (string)subscription["secret"]!;
        Assert.Equal(queueUrl, (string)subscription["destination"]!["queueUrl"]!);
        Assert.DoesNotContain(FauxqsServer.SecretAccessKey, subscription.ToJsonString());
        Assert.DoesNotContain(FauxqsServer.AccessKeyId, subscription.ToJsonString());

        var eventIds = await DeliveryData.InsertEvents(app.ConnectionString, id, 3, type);

        var messages = await sqs.WaitForMessagesAsync(queueUrl, 3);
        Assert.Equal(eventIds.Select(e => e.ToString()).Order(), messages.Select(m => m.MessageAttributes["webhook-id"].StringValue).Order());
        foreach (var message in messages)
        {
            var attributes = message.MessageAttributes;
            var body = Encoding.UTF8.GetBytes(message.Body);
            BrokerApi.AssertSigned(secret, attributes["webhook-id"].StringValue, attributes["webhook-timestamp"].StringValue, attributes["webhook-signature"].StringValue, body);
            Assert.Equal("acme", attributes["x-tenant"].StringValue);
            Assert.Equal(type, (string)JsonNode.Parse(message.Body)!["type"]!);
        }

        var delivered = await _admin.WaitForDeliveries(id, 3, "succeeded");
        var attempt = (await _admin.GetAsync($"/api/v1/deliveries/{delivered[0]!["id"]}").Expect(HttpStatusCode.OK))["attempts"]![0]!;
        Assert.Null(attempt["statusCode"]);
        Assert.Null(attempt["errorKind"]);
        Assert.Contains((string)attempt["responseHeaders"]!["message-id"]!, messages.Select(m => m.MessageId));
    }

    [Fact]
    public async Task A_test_send_reaches_the_queue_and_a_missing_queue_is_not_found_on_the_attempt()
    {
        var queueUrl = await sqs.CreateQueueAsync();
        await _admin.CreateEventType();
        var partner = await _admin.CreatePartner();

        var good = await _admin.CreateSqsSubscription(partner, sqs, queueUrl, "*");
        var sent = await _admin.PostAsJsonAsync($"/api/v1/subscriptions/{good["id"]}/test", new { }).Expect(HttpStatusCode.OK);
        Assert.Null(sent["attempt"]!["errorKind"]);
        Assert.Single(await sqs.WaitForMessagesAsync(queueUrl, 1));

        var missing = await _admin.CreateSqsSubscription(partner, sqs, queueUrl[..queueUrl.LastIndexOf('/')] + "/no-such-queue", "*");
        var refused = await _admin.PostAsJsonAsync($"/api/v1/subscriptions/{missing["id"]}/test", new { }).Expect(HttpStatusCode.OK);
        Assert.Equal("not_found", (string)refused["attempt"]!["errorKind"]!);
        Assert.Equal("dead", (string)(await _admin.GetAsync($"/api/v1/deliveries/{refused["deliveryId"]}").Expect(HttpStatusCode.OK))["status"]!);
    }

    [Fact]
    public async Task While_SQS_is_down_attempts_fail_as_unreachable_until_dead_and_a_replay_delivers_once_it_is_back()
    {
        var name = "wh-down-" + Guid.NewGuid().ToString("N")[..6];
        var queueUrl = await sqs.CreateQueueAsync(name);
        var partner = await _admin.CreatePartner();
        var id = Guid.Parse((string)(await _admin.CreateSqsSubscription(partner, sqs, queueUrl, "*"))["id"]!);

        sqs.Kill();
        try
        {
            await DeliveryData.InsertEvents(app.ConnectionString, id, 1);
            var dead = await _admin.WaitForDeliveries(id, 1, "dead", TimeSpan.FromSeconds(60));
            var attempts = (await _admin.GetAsync($"/api/v1/deliveries/{dead[0]!["id"]}").Expect(HttpStatusCode.OK))["attempts"]!.AsArray();
            Assert.Equal(DeliveryApp.RetryCount + 1, attempts.Count);
            Assert.All(attempts, a => Assert.Equal("connect", (string)a!["errorKind"]!));
        }
        finally
        {
            // It keeps its queues in memory: started again, the queue is made again (same name, same URL).
            await sqs.StartAsync();
            Assert.Equal(queueUrl, await sqs.CreateQueueAsync(name));
        }

        var deadId = (string)(await _admin.WaitForDeliveries(id, 1, "dead"))[0]!["id"]!;
        await _admin.PostAsync($"/api/v1/deliveries/{deadId}/replay", null).Expect(HttpStatusCode.Accepted);
        await _admin.WaitForDeliveries(id, 1, "succeeded", TimeSpan.FromSeconds(30));
        Assert.Single(await sqs.WaitForMessagesAsync(queueUrl, 1));
    }
}
