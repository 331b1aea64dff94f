using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Mvc;

namespace Webhooks.Common;

// The ingest endpoints read their bodies themselves (size limits, nesting depth, one parse), so nothing binds
// these records: they describe the bodies in the OpenAPI document, where generated clients get their types from.
// CloudEvents ingest: its shapes go beside these (structured mode application/cloudevents+json, batches
// application/cloudevents-batch+json). An endpoint's .Accepts<T>() documents one body type only, so the extra
// media types of POST /api/v1/events go in with .AddOpenApiOperationTransformer on that endpoint, each with
// context.GetOrCreateSchemaAsync(typeof(TheShape)).

/// <summary>One event: its registered type, the payload that type's JSON Schema validates, and optionally the one partner it is for.</summary>
public sealed record SendEventRequest(string Type, JsonObject Payload, Guid? PartnerId = null);

/// <summary>1 to 500 events, each validated and answered on its own.</summary>
public sealed record SendEventBatchRequest(IReadOnlyList<SendEventRequest> Events);

/// <summary>One item's answer in a batch: the accepted event (<c>id</c>, <c>type</c>, <c>createdAt</c>, <c>deliveries</c>), or <c>error</c>.</summary>
public sealed record BatchItemResult(Guid? Id, string? Type, DateTimeOffset? CreatedAt, int? Deliveries, HttpValidationProblemDetails? Error);

/// <summary>One result per event of the batch, in the batch's order.</summary>
public sealed record SendEventBatchResponse(IReadOnlyList<BatchItemResult> Results);
