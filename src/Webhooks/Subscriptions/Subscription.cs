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
    /// <summary>The wire format of its deliveries (<see cref="Delivery.Formats.DeliveryFormats"/>).</summary>
    public string Format { get; set; } = Delivery.Formats.DeliveryFormats.StandardWebhooks;
    /// <summary>Its endpoint must pass the CloudEvents HTTP webhook handshake before deliveries go to it.</summary>
    public bool VerifyOwnership { get; set; }
    public DateTimeOffset? VerifiedAt { get; set; }
    public DateTimeOffset? VerificationAttemptedAt { get; set; }
    /// <summary>Why the last handshake failed, in words a subscriber can act on.</summary>
    public string? VerificationError { get; set; }
    /// <summary>The WebHook-Allowed-Rate the endpoint granted, in requests per minute; null for none or '*'.</summary>
    public int? AllowedRatePerMinute { get; set; }
    /// <summary>How fast deliveries may go: its own rate limit or the rate its endpoint granted, the lower; null for no limit.</summary>
    [System.ComponentModel.DataAnnotations.Schema.NotMapped]
    public int? RatePerMinute => (RateLimitPerSecond * 60, AllowedRatePerMinute) switch
    {
        ({ } own, { } granted) => Math.Min(own, granted),
        var (own, granted) => own ?? granted,
    };
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
