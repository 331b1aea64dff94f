using System.Reflection;
using System.Text;
using System.Text.Json;
using Webhooks.Delivery.Formats;

namespace Webhooks.Delivery;

/// <summary>What a subscriber receives: the JSON envelope and the headers of one attempt.</summary>
public static class WebhookMessage
{
    public static readonly string UserAgent = "Webhooks/" + (Assembly.GetExecutingAssembly().GetName().Version?.ToString(3) ?? "1.0.0");

    private static readonly KeyValuePair<string, string>[] NoHeaders = [];

    /// <summary>
    /// The message of one attempt made at <paramref name="timestamp"/> in the subscription's format, signed with every current
    /// secret; a CloudEvents format adds its headers after the signature's, and an endpoint that passed the ownership handshake
    /// gets the origin it was asked under.
    /// </summary>
    public static OutgoingMessage Build(ClaimedDelivery delivery, long timestamp, IReadOnlyList<string> secrets, CloudEventOptions cloudEvents)
    {
        var (body, contentType, formatHeaders) = delivery.Format is null
            ? (Body(delivery.EventType, delivery.EventCreatedAt, delivery.Payload), "application/json", NoHeaders)
            : CloudEventMessage.Encode(delivery, cloudEvents.Source);
        var webhookId = delivery.EventId.ToString();
        var custom = CustomHeaders(delivery.Headers);
        var origin = delivery.SendsOrigin ? 1 : 0;
        var headers = new KeyValuePair<string, string>[3 + formatHeaders.Length + origin + custom.Length];
        headers[0] = new("webhook-id", webhookId);
        headers[1] = new("webhook-timestamp", timestamp.ToString());
        headers[2] = new("webhook-signature", WebhookSigner.Sign(webhookId, timestamp, body, secrets));
        formatHeaders.CopyTo(headers, 3);
        if (origin == 1) headers[3 + formatHeaders.Length] = new(OriginHeader, cloudEvents.Origin);
        custom.CopyTo(headers, 3 + formatHeaders.Length + origin);
        return new OutgoingMessage(body, contentType, headers, Recorded(contentType, headers, custom.Length));
    }

    /// <summary>The CloudEvents HTTP webhook header naming the sender, in the ownership handshake and on deliveries after it.</summary>
    public const string OriginHeader = "webhook-request-origin";

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
