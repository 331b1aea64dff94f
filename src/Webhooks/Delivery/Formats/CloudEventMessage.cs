using System.Text.Json;
using System.Text.Json.Serialization;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Http;
using CloudNative.CloudEvents.SystemTextJson;

namespace Webhooks.Delivery.Formats;

/// <summary>
/// A delivery as a CloudEvent, encoded by the CNCF SDK: with the attributes it came in with when it was posted as a
/// CloudEvent, otherwise id = event id, source = the configured source, type, time = when it was received. The payload
/// goes in as posted, never re-serialized.
/// </summary>
public static class CloudEventMessage
{
    private static readonly JsonEventFormatter Formatter = new();

    /// <summary>The body, its content type and the headers the format adds (binary mode's ce-* headers).</summary>
    public static (byte[] Body, string ContentType, KeyValuePair<string, string>[] Headers) Encode(ClaimedDelivery delivery, string source)
    {
        var cloudEvent = ToCloudEvent(delivery, source);
        if (delivery.Format != DeliveryFormats.CloudEventsBinary)
        {
            var structured = Formatter.EncodeStructuredModeMessage(cloudEvent, out var contentType);
            return (structured.ToArray(), contentType.ToString(), []);
        }
        var headers = new List<KeyValuePair<string, string>> { new(HttpUtilities.SpecVersionHttpHeader, cloudEvent.SpecVersion.VersionId) };
        foreach (var (attribute, value) in cloudEvent.GetPopulatedAttributes())
            if (attribute != cloudEvent.SpecVersion.DataContentTypeAttribute)
                headers.Add(new(HttpUtilities.HttpHeaderPrefix + attribute.Name, HttpUtilities.EncodeHeaderValue(attribute.Format(value))));
        return (Formatter.EncodeBinaryModeEventData(cloudEvent).ToArray(), cloudEvent.DataContentType!, [.. headers]);
    }

    private static CloudEvent ToCloudEvent(ClaimedDelivery delivery, string source)
    {
        var cloudEvent = new CloudEvent(CloudEventsSpecVersion.V1_0);
        if (delivery.CloudEventAttributes is { } stored)
        {
            using var attributes = JsonDocument.Parse(stored);
            // The required attributes first, as a reader expects them; the rest as stored (by name).
            foreach (var attribute in attributes.RootElement.EnumerateObject().OrderBy(a => a.Name switch { "id" => 0, "source" => 1, "type" => 2, _ => 3 }))
                if (attribute.Name != CloudEventsSpecVersion.SpecVersionAttribute.Name)
                    cloudEvent.SetAttributeFromString(attribute.Name, attribute.Value.GetString()!);
        }
        else
        {
            cloudEvent.Id = delivery.EventId.ToString();
            cloudEvent.Source = new Uri(source, UriKind.RelativeOrAbsolute);
            cloudEvent.Type = delivery.EventType;
            cloudEvent.Time = delivery.EventCreatedAt;
        }
        cloudEvent.DataContentType ??= "application/json";
        cloudEvent.Data = new RawJson(delivery.Payload);
        return cloudEvent;
    }

    /// <summary>JSON text the formatter writes as it is: the payload exactly as posted.</summary>
    [JsonConverter(typeof(RawJsonConverter))]
    private sealed record RawJson(string Text);

    private sealed class RawJsonConverter : JsonConverter<RawJson>
    {
        public override RawJson Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) => throw new NotSupportedException();

        public override void Write(Utf8JsonWriter writer, RawJson value, JsonSerializerOptions options) =>
            writer.WriteRawValue(value.Text, skipInputValidation: true);
    }
}
