using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Webhooks.Ingest;

namespace Webhooks.Common;

// The ingest endpoints read their bodies themselves (size limits, nesting depth, one parse), so nothing binds
// these records: they describe the bodies in the OpenAPI document, where generated clients get their types from.
// CloudEvents ingest shares POST /api/v1/events: an endpoint's .Accepts<T>() documents one body type only, so its
// CloudEvents media types (structured mode, batches) and binary mode's ce-* headers go in with DescribeCloudEvents.

/// <summary>One event: its registered type, the payload that type's JSON Schema validates, and optionally the one partner it is for.</summary>
public sealed record SendEventRequest(string Type, JsonObject Payload, Guid? PartnerId = null);

/// <summary>1 to 500 events, each validated and answered on its own.</summary>
public sealed record SendEventBatchRequest(IReadOnlyList<SendEventRequest> Events);

/// <summary>One item's answer in a batch: the accepted event (<c>id</c>, <c>type</c>, <c>createdAt</c>, <c>deliveries</c>), or <c>error</c>.</summary>
public sealed record BatchItemResult(Guid? Id, string? Type, DateTimeOffset? CreatedAt, int? Deliveries, HttpValidationProblemDetails? Error);

/// <summary>One result per event of the batch, in the batch's order.</summary>
public sealed record SendEventBatchResponse(IReadOnlyList<BatchItemResult> Results);

/// <summary>
/// A CloudEvent 1.0 in the JSON format (structured mode, or an item of a batch). <c>type</c> names a registered event
/// type and <c>data</c> is the payload its JSON Schema validates; (<c>source</c>, <c>id</c>) is the idempotency key.
/// Extension attributes (lower-case letters and digits) are kept with the event and delivered with it.
/// </summary>
public sealed record CloudEventRequest(
    string Specversion, string Id, string Source, string Type, JsonObject Data,
    string? Subject = null, DateTimeOffset? Time = null, string? Datacontenttype = null, string? Dataschema = null)
{
    [JsonExtensionData] public Dictionary<string, JsonElement>? Extensions { get; init; }
}

public static class OpenApiIngestShapes
{
    private static readonly (string Name, string Description)[] BinaryHeaders =
    [
        ("ce-specversion", "Binary-mode CloudEvent: `1.0`. With it, the other ce-* headers are the event's attributes and the body (JSON) is its data."),
        ("ce-id", "Binary-mode CloudEvent: the event's id; with ce-source, the idempotency key."),
        ("ce-source", "Binary-mode CloudEvent: the event's source (a URI reference)."),
        ("ce-type", "Binary-mode CloudEvent: the event type's name."),
        ("ce-subject", "Binary-mode CloudEvent: the subject, optional; other ce-* headers are extension attributes."),
        ("ce-time", "Binary-mode CloudEvent: when it happened (RFC 3339), optional."),
    ];

    /// <summary>Adds the CloudEvents shapes to POST /api/v1/events: structured mode, batches, and binary mode's headers.</summary>
    public static async Task DescribeCloudEvents(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var cloudEvent = await ReferenceAsync(typeof(CloudEventRequest), context, cancellationToken);
        var content = operation.RequestBody!.Content!;
        content.Remove("*/*");
        content[CloudEventIntake.StructuredMediaType] = new OpenApiMediaType
        {
            Schema = cloudEvent,
            Example = JsonNode.Parse("""
                {"specversion": "1.0", "id": "ord_1-placed", "source": "/shop/orders", "type": "order.placed",
                 "time": "2026-11-22T08:30:00Z", "subject": "ord_1", "data": {"orderId": "ord_1", "total": 42.5}}
                """),
        };
        content[CloudEventIntake.BatchMediaType] = new OpenApiMediaType
        {
            Schema = new OpenApiSchema { Type = JsonSchemaType.Array, MinItems = 1, MaxItems = IngestEndpoints.MaxBatch, Items = cloudEvent },
        };
        operation.Parameters ??= [];
        foreach (var (name, description) in BinaryHeaders)
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = name, In = ParameterLocation.Header, Required = false, Description = description,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1 },
            });
        operation.Responses ??= [];
        operation.Responses["200"] = new OpenApiResponse
        {
            Description = "A CloudEvents batch (`application/cloudevents-batch+json`): one result per event, in order.",
            Content = new Dictionary<string, OpenApiMediaType>
            {
                ["application/json"] = new() { Schema = await ReferenceAsync(typeof(SendEventBatchResponse), context, cancellationToken) },
            },
        };
        operation.Description = (operation.Description is { Length: > 0 } d ? d + "\n\n" : "") + """
            Also takes CloudEvents 1.0: one in structured mode (`application/cloudevents+json`), up to 500 in a batch
            (`application/cloudevents-batch+json`, answered 200 with one result per event), or one in binary mode (the `ce-*`
            headers are its attributes, the JSON body its data). `type` names the event type, `data` is validated against its
            schema, and (`source`, `id`) is the idempotency key: a repeat answers with the original event, the same pair with
            other attributes or data is 409. An invalid CloudEvent is 400 `invalid-cloudevent`.
            """;
    }

    private static async Task<IOpenApiSchema> ReferenceAsync(Type type, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var document = context.Document!;
        if (document.Components?.Schemas?.ContainsKey(type.Name) != true)
            document.AddComponent(type.Name, await context.GetOrCreateSchemaAsync(type, null, cancellationToken));
        return new OpenApiSchemaReference(type.Name, document);
    }
}
