using System.Text.Json.Nodes;

namespace Webhooks.Common;

/// <summary>Examples of the main calls for the OpenAPI document, by operation id: the request body and the success answer.</summary>
public static class OpenApiExamples
{
    public sealed record Example(string? Request, int Status, string? Response);

    private const string Subscription = """
        {"id": "01a20263-f3f7-7a4e-9d0c-2b1f0e6c1a11", "partnerId": "01a20263-f3f6-73c3-b659-82345a77bfd4",
         "url": "https://hooks.acme.example/webhooks", "eventTypes": ["order.*"], "description": "Acme's order feed",
         "headers": {}, "rateLimitPerSecond": null, "enabled": true, "disabledReason": null, "disabledAt": null,
         "failingSince": null, "failureStreak": 0, "lastSuccessAt": null, "lastFailureAt": null,
         "createdAt": "2026-11-22T08:30:00Z", "updatedAt": "2026-11-22T08:30:00Z",
         "destination": {"type": "http", "url": "https://hooks.acme.example/webhooks"}%SECRET%}
        """;

    private const string Delivery = """
        {"id": "01a20263-f842-7c01-a3b5-5a6f3e0c9d21", "eventId": "01a20263-f841-771b-8d28-0fe119eb6c31",
         "subscriptionId": "01a20263-f3f7-7a4e-9d0c-2b1f0e6c1a11", "partnerId": "01a20263-f3f6-73c3-b659-82345a77bfd4",
         "eventType": "order.placed", "status": "pending", "attemptCount": 8, "nextAttemptAt": "2026-11-22T09:00:00Z",
         "lastAttemptAt": "2026-11-22T08:59:58Z", "lastStatusCode": 500, "lastError": "HTTP 500",
         "createdAt": "2026-11-22T08:30:00Z", "updatedAt": "2026-11-22T09:00:00Z", "attempts": null}
        """;

    public static readonly IReadOnlyDictionary<string, Example> ByOperation = new Dictionary<string, Example>
    {
        ["createEventType"] = new("""
            {"name": "order.placed", "description": "A customer placed an order",
             "schema": {"type": "object", "required": ["orderId", "total"],
                        "properties": {"orderId": {"type": "string"}, "total": {"type": "number", "minimum": 0}}},
             "example": {"orderId": "ord_1", "total": 42.5}}
            """, 201, null),
        ["createPartner"] = new("""{"name": "Acme Corp"}""", 201, """
            {"id": "01a20263-f3f6-73c3-b659-82345a77bfd4", "name": "Acme Corp", "createdAt": "2026-11-22T08:30:00Z"}
            """),
        ["createApiKey"] = new("""{"name": "shop backend", "scopes": ["ingest"]}""", 201, """
            {"id": "01a20263-f3f9-7d51-8f7b-0c2c4a3e2b10", "key": "whk_xF98kq2mB7VnS0pLr4TzYw6HdJc3aEuN", "prefix": "whk_xF98kq2m",
             "name": "shop backend", "scopes": ["ingest"], "partnerId": null, "createdAt": "2026-11-22T08:30:00Z"}
            """),
        ["createSubscription"] = new("""
            {"partnerId": "01a20263-f3f6-73c3-b659-82345a77bfd4", "url": "https://hooks.acme.example/webhooks",
             "eventTypes": ["order.*"], "description": "Acme's order feed"}
            """, 201, Subscription.Replace("%SECRET%", """, "secret": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw" """)),
        ["updateSubscription"] = new("""{"enabled": true, "pausedDeliveries": "send"}""", 200, Subscription.Replace("%SECRET%", "")),
        ["rotateSubscriptionSecret"] = new(null, 200, Subscription.Replace("%SECRET%", """, "secret": "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD" """)),
        ["sendEvent"] = new("""{"type": "order.placed", "payload": {"orderId": "ord_1", "total": 42.5}}""", 202, """
            {"id": "01a20263-f841-771b-8d28-0fe119eb6c31", "type": "order.placed", "createdAt": "2026-11-22T08:30:00Z", "deliveries": 1}
            """),
        ["sendEventBatch"] = new("""
            {"events": [{"type": "order.placed", "payload": {"orderId": "ord_1", "total": 42.5}},
                        {"type": "order.placed", "payload": {"orderId": "ord_2"}}]}
            """, 200, """
            {"results": [
              {"id": "01a20263-f841-771b-8d28-0fe119eb6c31", "type": "order.placed", "createdAt": "2026-11-22T08:30:00Z", "deliveries": 1},
              {"error": {"type": "urn:webhooks:problem:payload-invalid", "title": "The payload does not match the event type's schema.",
                         "status": 422, "errors": {"$.payload.total": ["Required property 'total' is missing."]}}}]}
            """),
        ["replayDelivery"] = new(null, 202, Delivery),
        ["replayDeliveries"] = new("""
            {"subscriptionId": "01a20263-f3f7-7a4e-9d0c-2b1f0e6c1a11", "status": "dead", "since": "2026-11-22T00:00:00Z"}
            """, 202, """{"count": 42, "jobId": "01a20264-0b1e-7f3a-9c2d-4e5f6a7b8c9d"}"""),
        ["deletePartner"] = new(null, 202, """
            {"partnerId": "01a20263-f3f6-73c3-b659-82345a77bfd4", "jobId": "01a20264-0b1e-7f3a-9c2d-4e5f6a7b8c9e"}
            """),
        ["getJob"] = new(null, 200, """
            {"id": "01a20264-0b1e-7f3a-9c2d-4e5f6a7b8c9d", "kind": "replay", "state": "processing",
             "progress": {"done": 1200, "total": 4800}, "createdAt": "2026-11-22T09:00:00Z", "finishedAt": null, "error": null}
            """),
    };

    public static JsonNode? Parse(string? json) => json is null ? null : JsonNode.Parse(json);
}
