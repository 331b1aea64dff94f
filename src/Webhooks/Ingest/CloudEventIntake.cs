using System.Buffers;
using System.Net.Mime;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Http;
using CloudNative.CloudEvents.SystemTextJson;
using Microsoft.AspNetCore.Mvc;
using Webhooks.Auth;
using Webhooks.Common;

namespace Webhooks.Ingest;

/// <summary>
/// Reads CloudEvents 1.0 (a structured-mode or batch item's JSON, or a binary-mode request's ce-* headers and body) with the
/// CNCF SDK and hands them to <see cref="EventIntake"/>: <c>type</c> is the event type, <c>data</c> the payload its schema
/// validates, (<c>source</c>, <c>id</c>) the idempotency key, and the other attributes are kept with the event.
/// </summary>
public sealed class CloudEventIntake(EventIntake intake)
{
    public const string StructuredMediaType = "application/cloudevents+json";
    public const string BatchMediaType = "application/cloudevents-batch+json";
    public const string SpecVersionHeader = "ce-specversion";

    /// <summary>
    /// The idempotency scope of CloudEvents posted without an API key (a broker source, say). With a key, (source, id)
    /// pairs live in that key's scope, as Idempotency-Key values do; they are written so that they cannot equal one.
    /// </summary>
    public static readonly Guid SharedIdempotencyScope = Guid.Empty;

    private static readonly IngestFormatter Formatter = new();
    private static readonly JsonWriterOptions WriterOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>One structured-mode CloudEvent (a request's body or a batch's item); schema errors are keyed under <c>$.data</c>.</summary>
    public ValueTask<(NewEvent? Event, ProblemDetails? Problem)> CheckStructuredAsync(JsonElement element, Caller caller, CancellationToken cancellationToken)
    {
        CloudEvent cloudEvent;
        try
        {
            cloudEvent = Formatter.ConvertFromJsonElement(element, extensionAttributes: null);
        }
        catch (Exception e) when (e is ArgumentException or FormatException or InvalidOperationException)
        {
            return ValueTask.FromResult(intake.Reject("invalid-cloudevent", Invalid(e.Message, StructuredErrors(element, e))));
        }
        return CheckAsync(cloudEvent, "$.data", caller, cancellationToken);
    }

    /// <summary>
    /// The attributes of a binary-mode request, from its ce-* headers and its content type, before its body is read; or the
    /// problem when they cannot make a CloudEvent whose data is JSON.
    /// </summary>
    public (CloudEvent? CloudEvent, ProblemDetails? Problem) ReadHeaders(IHeaderDictionary headers, string? contentType)
    {
        var version = headers[SpecVersionHeader].ToString();
        if (CloudEventsSpecVersion.FromVersionId(version) is not { } specVersion)
            return (null, Rejected(Invalid($"Only CloudEvents 1.0 is accepted (ce-specversion was '{version}').",
                new() { [SpecVersionHeader] = ["ce-specversion must be 1.0."] })));
        var cloudEvent = new CloudEvent(specVersion);
        try
        {
            foreach (var (name, values) in headers)
                if (HttpUtilities.GetAttributeNameFromHeaderName(name) is { } attribute && attribute != CloudEventsSpecVersion.SpecVersionAttribute.Name)
                    cloudEvent.SetAttributeFromString(attribute, HttpUtilities.DecodeHeaderValue(values.ToString()));
            if (!string.IsNullOrEmpty(contentType)) cloudEvent.DataContentType = contentType;
        }
        catch (Exception e) when (e is ArgumentException or FormatException)
        {
            return (null, Rejected(Invalid(e.Message, new() { ["ce-*"] = [e.Message] })));
        }
        var missing = MissingAttributes(cloudEvent);
        if (missing.Count > 0)
            return (null, Rejected(Invalid("Required attributes are missing.",
                missing.ToDictionary(a => "ce-" + a, a => new[] { $"The ce-{a} header is required." }))));
        if (!IsJson(cloudEvent.DataContentType))
            return (null, Rejected(Invalid(
                $"The body is the event's data, and event types validate JSON data: the content type must be JSON (was '{cloudEvent.DataContentType}').",
                new() { ["content-type"] = ["The content type must be application/json or another JSON type."] })));
        return (cloudEvent, null);
    }

    /// <summary>A binary-mode CloudEvent whose body (its data) has been read; schema errors are keyed under <c>$</c>, the body.</summary>
    public ValueTask<(NewEvent? Event, ProblemDetails? Problem)> CheckBinaryAsync(CloudEvent cloudEvent, JsonElement body, Caller caller, CancellationToken cancellationToken)
    {
        cloudEvent.Data = body;
        return CheckAsync(cloudEvent, "$", caller, cancellationToken);
    }

    private ValueTask<(NewEvent?, ProblemDetails?)> CheckAsync(CloudEvent cloudEvent, string dataPath, Caller caller, CancellationToken cancellationToken)
    {
        if (cloudEvent.Data is not JsonElement { ValueKind: not (JsonValueKind.Null or JsonValueKind.Undefined) } data)
            return ValueTask.FromResult(intake.Reject("invalid-cloudevent", Invalid("The event has no data, and its event type's schema validates data.",
                new() { [dataPath] = ["data is required."] })));
        var (attributes, hash) = AttributesAndHash(cloudEvent, data);
        return intake.CheckEventAsync(cloudEvent.Type!, data, partnerId: null, dataPath, caller.ApiKeyId ?? SharedIdempotencyScope,
            IdempotencyKey(cloudEvent.Source!.OriginalString, cloudEvent.Id!), hash, attributes, cancellationToken);
    }

    /// <summary>True for a JSON media type, or none (a CloudEvent's data is JSON unless it says otherwise).</summary>
    public static bool IsJson(string? contentType)
    {
        if (string.IsNullOrEmpty(contentType)) return true;
        try
        {
            var mediaType = new ContentType(contentType).MediaType;
            return mediaType.EndsWith("/json", StringComparison.OrdinalIgnoreCase) || mediaType.EndsWith("+json", StringComparison.OrdinalIgnoreCase);
        }
        catch (FormatException)
        {
            return false;
        }
    }

    /// <summary>
    /// The attributes as stored with the event (specversion, then every populated attribute by name, each in its canonical
    /// string form), and the hash a repeat must match to be the same event: of those attributes and the data exactly as sent.
    /// </summary>
    private static (string Attributes, byte[] Hash) AttributesAndHash(CloudEvent cloudEvent, JsonElement data)
    {
        var populated = cloudEvent.GetPopulatedAttributes().ToArray();
        Array.Sort(populated, (a, b) => string.CompareOrdinal(a.Key.Name, b.Key.Name));
        var buffer = new ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            writer.WriteString(CloudEventsSpecVersion.SpecVersionAttribute.Name, cloudEvent.SpecVersion.VersionId);
            foreach (var (attribute, value) in populated) writer.WriteString(attribute.Name, attribute.Format(value));
            writer.WriteEndObject();
        }
        var attributes = Encoding.UTF8.GetString(buffer.WrittenSpan);
        buffer.Write([(byte)0]);
        buffer.Write(JsonMarshal.GetRawUtf8Value(data));
        return (attributes, SHA256.HashData(buffer.WrittenSpan));
    }

    /// <summary>(source, id) as an idempotency key; it starts with a control character, which an Idempotency-Key header cannot hold.</summary>
    public static string IdempotencyKey(string source, string id) => $"\u001fce:{source.Length}:{source}{id}";

    private static List<string> MissingAttributes(CloudEvent cloudEvent) =>
        cloudEvent.SpecVersion.RequiredAttributes.Where(a => cloudEvent[a] is null).Select(a => a.Name).ToList();

    /// <summary>
    /// The members of a structured-mode event the SDK refused, by JSON path, so a producer sees every one at once:
    /// the required attributes that are missing or not strings, a wrong specversion, data that is not JSON, else the SDK's reason.
    /// </summary>
    private static Dictionary<string, string[]> StructuredErrors(JsonElement element, Exception refusal)
    {
        if (element.ValueKind != JsonValueKind.Object) return new() { ["$"] = ["A CloudEvent is a JSON object."] };
        var errors = new Dictionary<string, string[]>();
        if (!element.TryGetProperty("specversion", out var version) || version.ValueKind != JsonValueKind.String)
            errors["$.specversion"] = ["specversion is required: \"1.0\"."];
        else if (version.GetString() != CloudEventsSpecVersion.V1_0.VersionId)
            errors["$.specversion"] = [$"Only CloudEvents 1.0 is accepted (specversion was '{version.GetString()}')."];
        foreach (var name in new[] { "id", "source", "type" })
            if (!element.TryGetProperty(name, out var value) || value.ValueKind != JsonValueKind.String || value.GetString()!.Length == 0)
                errors[$"$.{name}"] = [$"{name} is required: a non-empty string."];
        if (refusal is NonJsonDataException) errors["$.data"] = [refusal.Message];
        if (errors.Count == 0) errors["$"] = [refusal.Message];
        return errors;
    }

    private ProblemDetails Rejected(ProblemDetails problem) => intake.Reject("invalid-cloudevent", problem).Item2!;

    private static HttpValidationProblemDetails Invalid(string detail, Dictionary<string, string[]> errors) => new(errors)
    {
        Status = 400, Type = Problems.Type("invalid-cloudevent"), Title = "The CloudEvent is not valid.", Detail = detail,
    };

    /// <summary>
    /// The SDK's JSON event format, keeping <c>data</c> where it was parsed (it lives as long as the request's body does, so no
    /// copy is made) and refusing data that is not JSON: event types validate JSON.
    /// </summary>
    private sealed class IngestFormatter : JsonEventFormatter
    {
        protected override void DecodeStructuredModeDataProperty(JsonElement dataElement, CloudEvent cloudEvent)
        {
            if (!IsJson(cloudEvent.DataContentType))
                throw new NonJsonDataException($"The data is '{cloudEvent.DataContentType}', and event types validate JSON data.");
            cloudEvent.Data = dataElement;
        }

        protected override void DecodeStructuredModeDataBase64Property(JsonElement dataBase64Element, CloudEvent cloudEvent) =>
            throw new NonJsonDataException("data_base64 carries binary data, and event types validate JSON data: send it as data.");
    }

    private sealed class NonJsonDataException(string message) : ArgumentException(message);
}
