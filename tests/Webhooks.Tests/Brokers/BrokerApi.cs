using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Webhooks.Client.Receiving;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Brokers;

/// <summary>Subscriptions to broker destinations through the public API, and checks of what a broker received.</summary>
public static class BrokerApi
{
    public static Task<JsonNode> CreateRabbitMqSubscription(this HttpClient client, Guid partnerId, string connection, string exchange, string routingKey, params string[] eventTypes) =>
        client.PostAsJsonAsync("/api/v1/subscriptions", new
        {
            partnerId, eventTypes,
            destination = new { type = "rabbitmq", connection, exchange, routingKey },
        }).Expect(HttpStatusCode.Created);

    public static Task<JsonNode> CreateSqsSubscription(this HttpClient client, Guid partnerId, FauxqsServer sqs, string queueUrl, params string[] eventTypes) =>
        client.PostAsJsonAsync("/api/v1/subscriptions", new
        {
            partnerId, eventTypes,
            destination = new
            {
                type = "sqs", queueUrl, region = FauxqsServer.Region, accessKeyId = FauxqsServer.AccessKeyId,
                secretAccessKey = FauxqsServer.SecretAccessKey, serviceUrl = sqs.ServiceUrl,
            },
        }).Expect(HttpStatusCode.Created);

    /// <summary>The signature verifies with the subscription's secret over the exact body received.</summary>
    public static void AssertSigned(string secret, string? id, string? timestamp, string? signature, byte[] body) =>
        new WebhookVerifier(secret).Verify(id, timestamp, signature, body);

    /// <summary>An AMQP header value as text (the client reads string headers as bytes).</summary>
    public static string? Header(IDictionary<string, object?>? headers, string name) =>
        headers is not null && headers.TryGetValue(name, out var value) ? value switch
        {
            byte[] bytes => Encoding.UTF8.GetString(bytes),
            null => null,
            var other => other.ToString(),
        } : null;

    /// <summary>Polls the delivery API until every delivery of the subscription has the status (and there are <paramref name="count"/>).</summary>
    public static async Task<JsonArray> WaitForDeliveries(this HttpClient admin, Guid subscription, int count, string status, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        while (true)
        {
            var page = await admin.GetAsync($"/api/v1/deliveries?subscriptionId={subscription}&status={status}&limit=500").Expect(HttpStatusCode.OK);
            var data = page["data"]!.AsArray();
            if (data.Count >= count) return data;
            if (DateTime.UtcNow > deadline)
            {
                var all = await admin.GetAsync($"/api/v1/deliveries?subscriptionId={subscription}&limit=500").Expect(HttpStatusCode.OK);
                var states = all["data"]!.AsArray().Select(d => $"{d!["status"]} after {d["attemptCount"]} attempts ({d["lastError"]})");
                throw new TimeoutException($"{data.Count} of {count} deliveries of {subscription} are {status}; all: {string.Join("; ", states)}");
            }
            await Task.Delay(100);
        }
    }
}
