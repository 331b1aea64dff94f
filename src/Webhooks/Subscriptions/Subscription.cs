namespace Webhooks.Subscriptions;

public sealed class Subscription
{
    public Guid Id { get; set; }
    public Guid PartnerId { get; set; }
    /// <summary>The HTTP endpoint; for a broker destination, the broker's address without credentials.</summary>
    public required string Url { get; set; }
    public required string[] EventTypes { get; set; }
    public string? Description { get; set; }
    public Dictionary<string, string> Headers { get; set; } = [];
    public int? RateLimitPerSecond { get; set; }
    public bool Enabled { get; set; } = true;
    public string? DisabledReason { get; set; }
    public DateTimeOffset? DisabledAt { get; set; }
    public DateTimeOffset? FailingSince { get; set; }
    public int FailureStreak { get; set; }
    public DateTimeOffset? LastSuccessAt { get; set; }
    public DateTimeOffset? LastFailureAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public DateTimeOffset? DeletedAt { get; set; }
    public List<SubscriptionSecret> Secrets { get; set; } = [];
    /// <summary>Null for HTTP; otherwise the broker destination's stored JSON (see <see cref="Delivery.Destinations.BrokerSettings"/>).</summary>
    public string? Destination { get; set; }
}

public sealed class SubscriptionSecret
{
    public long Id { get; set; }
    public Guid SubscriptionId { get; set; }
    public required string ProtectedSecret { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset? ExpiresAt { get; set; }
}
