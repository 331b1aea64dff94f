using System.Reflection;
using System.Text;
using System.Text.Json;

namespace Webhooks.Delivery;

/// <summary>What a subscriber receives: the JSON envelope and the headers of one attempt.</summary>
public static class WebhookMessage
{
    public static readonly string UserAgent = "Webhooks/" + (Assembly.GetExecutingAssembly().GetName().Version?.ToString(3) ?? "1.0.0");

    private static readonly KeyValuePair<string, string>[] NoHeaders = [];

    /// <summary>The message of one attempt made at <paramref name="timestamp"/>, signed with every current secret.</summary>
    public static OutgoingMessage Build(ClaimedDelivery delivery, long timestamp, IReadOnlyList<string> secrets)
    {
        var body = Body(delivery.EventType, delivery.EventCreatedAt, delivery.Payload);
        var webhookId = delivery.EventId.ToString();
        var custom = CustomHeaders(delivery.Headers);
        var headers = new KeyValuePair<string, string>[3 + custom.Length];
        headers[0] = new("webhook-id", webhookId);
        headers[1] = new("webhook-timestamp", timestamp.ToString());
        headers[2] = new("webhook-signature", WebhookSigner.Sign(webhookId, timestamp, body, secrets));
        custom.CopyTo(headers, 3);
        return new OutgoingMessage(body, "application/json", headers, Recorded("application/json", headers, custom.Length));
    }

    /// <summary>The subscription's own headers; most subscriptions have none, and their attempts parse nothing.</summary>
    private static KeyValuePair<string, string>[] CustomHeaders(string json) =>
        json is "{}" ? NoHeaders : JsonSerializer.Deserialize<Dictionary<string, string>>(json)?.ToArray() ?? NoHeaders;

    /// <summary>The request's headers as the attempt records them. Custom headers often carry credentials: their values are not stored.</summary>
    private static string Recorded(string contentType, KeyValuePair<string, string>[] headers, int custom)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(512);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("content-type", contentType);
            writer.WriteString("user-agent", UserAgent);
            for (var i = 0; i < headers.Length; i++)
                writer.WriteString(headers[i].Key, i < headers.Length - custom ? headers[i].Value : "[redacted]");
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary><c>{"type":..,"timestamp":..,"data":&lt;payload as posted&gt;}</c>; the payload text is copied, not re-serialized.</summary>
    public static byte[] Body(string type, DateTimeOffset createdAt, string payload)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(payload.Length + type.Length + 64);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteString("type", type);
            writer.WriteString("timestamp", createdAt.UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.FFFFFFF'Z'"));
            writer.WritePropertyName("data");
            writer.WriteRawValue(payload, skipInputValidation: true);
            writer.WriteEndObject();
        }
        return buffer.WrittenSpan.ToArray();
    }
}
