using System.Text.Json;
using Webhooks.DeadLetters;

namespace Webhooks.Delivery;

public sealed record DeliveryResponse(
    Guid Id, Guid EventId, Guid SubscriptionId, Guid PartnerId, string EventType, string Status, int AttemptCount,
    DateTimeOffset? NextAttemptAt, DateTimeOffset? LastAttemptAt, int? LastStatusCode, string? LastError,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<AttemptResponse>? Attempts = null)
{
    public static DeliveryResponse From(DeliveryRow row, IEnumerable<AttemptRecord>? attempts = null)
    {
        var d = row.Delivery;
        return new(d.Id, d.EventId, d.SubscriptionId, row.PartnerId, row.EventType, d.Status, d.AttemptCount,
            d.Status == DeliveryStatus.Pending ? d.NextAttemptAt : null, d.LastAttemptAt, d.LastStatusCode, d.LastError,
            d.CreatedAt, d.UpdatedAt, attempts?.OrderBy(a => a.Number).Select(AttemptResponse.From).ToList());
    }
}

public sealed record AttemptResponse(
    int Number, DateTimeOffset At, int? StatusCode, int DurationMs, string? Error, string? ErrorKind,
    Dictionary<string, string>? RequestHeaders, Dictionary<string, string>? ResponseHeaders, string? ResponseBody)
{
    public static AttemptResponse From(AttemptRecord a) => new(
        a.Number, a.At, a.StatusCode, a.DurationMs, a.Error, a.ErrorKind, Headers(a.RequestHeaders), Headers(a.ResponseHeaders), a.ResponseBody);

    private static Dictionary<string, string>? Headers(string? json) =>
        json is null ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(json);
}

/// <summary>POST /api/v1/deliveries/replay: which deliveries to send again (dead ones unless status says succeeded).</summary>
public sealed record BulkReplayRequest(
    Guid? SubscriptionId, Guid? PartnerId, string? EventType, string? Status, DateTimeOffset? Since, DateTimeOffset? Until);

/// <summary>How many deliveries match now; the job that queues them (GET /api/v1/jobs/{jobId}).</summary>
public sealed record BulkReplayResponse(int Count, Guid JobId);

public sealed record TestDeliveryRequest(string? EventType);
