using System.Reflection;
using System.Text.Json;

namespace Webhooks.Delivery;

/// <summary>What a subscriber receives: the JSON envelope and the headers of one attempt.</summary>
public static class WebhookMessage
{
    public static readonly string UserAgent = "Webhooks/" + (Assembly.GetExecutingAssembly().GetName().Version?.ToString(3) ?? "1.0.0");

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
