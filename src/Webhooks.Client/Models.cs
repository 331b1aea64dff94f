using Microsoft.AspNetCore.Http;

namespace Webhooks.Client;

/// <summary>One page of a list; <see cref="NextCursor"/> is null on the last page.</summary>
public sealed record Page<T>(IReadOnlyList<T> Data, string? NextCursor);

/// <summary>An event the service committed (202): <see cref="Deliveries"/> is how many subscriptions it was fanned out to.</summary>
public sealed record EventAccepted(Guid Id, string Type, DateTimeOffset CreatedAt, int Deliveries);

/// <summary>One event of a batch: its type, its payload (any object that serializes to JSON), and optionally the one partner it is for.</summary>
public sealed record NewEvent(string Type, object Payload, Guid? PartnerId = null);

/// <summary>One event's answer in a batch: accepted (<see cref="Id"/> and the rest set) or refused (<see cref="Error"/> set).</summary>
public sealed record BatchItemResult(Guid? Id, string? Type, DateTimeOffset? CreatedAt, int? Deliveries, HttpValidationProblemDetails? Error)
{
    public bool Accepted => Error is null;
}

public sealed record BatchResult(IReadOnlyList<BatchItemResult> Results);

/// <summary>A partner endpoint and its health. <see cref="Secret"/> is set only when it was created or its secret rotated.</summary>
public sealed record Subscription(
    Guid Id, Guid PartnerId, string Url, IReadOnlyList<string> EventTypes, string? Description, IReadOnlyDictionary<string, string> Headers,
    int? RateLimitPerSecond, bool Enabled, string? DisabledReason, DateTimeOffset? DisabledAt,
    DateTimeOffset? FailingSince, int FailureStreak, DateTimeOffset? LastSuccessAt, DateTimeOffset? LastFailureAt,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string? Secret = null);

/// <summary>
/// A subscription to create: the endpoint URL and event type filters (<c>order.placed</c>, <c>order.*</c>, <c>*</c>).
/// A partner key may leave out <see cref="PartnerId"/>; an admin key must give it.
/// </summary>
public sealed record NewSubscription(string Url, IReadOnlyList<string> EventTypes)
{
    public Guid? PartnerId { get; init; }
    public string? Description { get; init; }
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
    public int? RateLimitPerSecond { get; init; }
}

/// <summary>What to change on a subscription; members left null stay as they are.</summary>
public sealed record SubscriptionChanges
{
    public string? Url { get; init; }
    public IReadOnlyList<string>? EventTypes { get; init; }
    public string? Description { get; init; }
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
    public int? RateLimitPerSecond { get; init; }
    public bool? Enabled { get; init; }
    /// <summary>When enabling: <see cref="PausedDeliveries.Send"/> (the default) or <see cref="PausedDeliveries.Discard"/> the deliveries kept while it was disabled.</summary>
    public string? PausedDeliveries { get; init; }
}

public static class PausedDeliveries
{
    public const string Send = "send";
    public const string Discard = "discard";
}

/// <summary>One event's delivery to one subscription. <see cref="Attempts"/> is set when read on its own.</summary>
public sealed record Delivery(
    Guid Id, Guid EventId, Guid SubscriptionId, Guid PartnerId, string EventType, string Status, int AttemptCount,
    DateTimeOffset? NextAttemptAt, DateTimeOffset? LastAttemptAt, int? LastStatusCode, string? LastError,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<DeliveryAttempt>? Attempts = null);

public sealed record DeliveryAttempt(
    int Number, DateTimeOffset At, int? StatusCode, int DurationMs, string? Error, string? ErrorKind,
    IReadOnlyDictionary<string, string>? RequestHeaders, IReadOnlyDictionary<string, string>? ResponseHeaders, string? ResponseBody);

/// <summary>The states of a delivery.</summary>
public static class DeliveryStatus
{
    public const string Pending = "pending";
    public const string Succeeded = "succeeded";
    public const string Dead = "dead";
    public const string Paused = "paused";
    public const string Discarded = "discarded";
}

/// <summary>
/// Which deliveries to list or replay; every member is optional. <see cref="Since"/> (inclusive) and <see cref="Until"/>
/// (exclusive) bound the creation time. A replay takes <see cref="DeliveryStatus.Dead"/> (the default) or <see cref="DeliveryStatus.Succeeded"/>.
/// </summary>
public sealed record DeliveryFilter
{
    public string? Status { get; init; }
    public Guid? SubscriptionId { get; init; }
    public Guid? PartnerId { get; init; }
    public string? EventType { get; init; }
    public DateTimeOffset? Since { get; init; }
    public DateTimeOffset? Until { get; init; }
}

/// <summary>How many deliveries a bulk replay queued again.</summary>
public sealed record BulkReplayResult(int Count);
