namespace Webhooks.Delivery;

public sealed class DeliveryRecord
{
    public Guid Id { get; set; }
    public Guid EventId { get; set; }
    public Guid SubscriptionId { get; set; }
    public required string Status { get; set; }
    public int AttemptCount { get; set; }
    /// <summary>Attempts made before the last replay; those above it count against the retry schedule.</summary>
    public int AttemptBase { get; set; }
    public DateTimeOffset NextAttemptAt { get; set; }
    public Guid? LeaseToken { get; set; }
    public DateTimeOffset? LeaseUntil { get; set; }
    public string? LockedBy { get; set; }
    public DateTimeOffset? LastAttemptAt { get; set; }
    public int? LastStatusCode { get; set; }
    public string? LastError { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public List<AttemptRecord> Attempts { get; set; } = [];
}

public sealed class AttemptRecord
{
    public long Id { get; set; }
    public Guid DeliveryId { get; set; }
    public int Number { get; set; }
    public DateTimeOffset At { get; set; }
    public int? StatusCode { get; set; }
    public int DurationMs { get; set; }
    public string? ErrorKind { get; set; }
    public string? Error { get; set; }
    public string? RequestHeaders { get; set; }
    public string? ResponseHeaders { get; set; }
    public string? ResponseBody { get; set; }
}

public static class DeliveryStatus
{
    public const string Pending = "pending";
    public const string Succeeded = "succeeded";
    public const string Dead = "dead";
    public const string Paused = "paused";
    public const string Discarded = "discarded";
    public static readonly string[] All = [Pending, Succeeded, Dead, Paused, Discarded];
}
