using System.Text.Json.Serialization;

namespace Webhooks.Subscriptions;

public sealed record CreateSubscription(
    Guid? PartnerId, string? Url, string[]? EventTypes, string? Description, Dictionary<string, string>? Headers, int? RateLimitPerSecond)
{
    /// <summary>Where to deliver, instead of <c>url</c>: an HTTP endpoint, a RabbitMQ exchange or an SQS queue.</summary>
    public DestinationRequest? Destination { get; init; }
}

/// <summary>PATCH body: only the members present change. <c>PausedDeliveries</c> says what enabling does with deliveries kept while disabled.</summary>
public sealed record UpdateSubscription(
    string? Url, string[]? EventTypes, string? Description, Dictionary<string, string>? Headers, int? RateLimitPerSecond,
    bool? Enabled, string? PausedDeliveries)
{
    /// <summary>A new destination, whole (credentials included); <c>url</c> alone makes it an HTTP endpoint.</summary>
    public DestinationRequest? Destination { get; init; }
}

public sealed record SubscriptionResponse(
    Guid Id, Guid PartnerId, string Url, string[] EventTypes, string? Description, Dictionary<string, string> Headers,
    int? RateLimitPerSecond, bool Enabled, string? DisabledReason, DateTimeOffset? DisabledAt,
    DateTimeOffset? FailingSince, int FailureStreak, DateTimeOffset? LastSuccessAt, DateTimeOffset? LastFailureAt,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Secret { get; init; }

    /// <summary>Where it delivers; credentials are never shown.</summary>
    public required DestinationResponse Destination { get; init; }

    public static SubscriptionResponse From(Subscription s, string? secret = null) => new(
        s.Id, s.PartnerId, s.Url, s.EventTypes, s.Description, s.Headers, s.RateLimitPerSecond, s.Enabled, s.DisabledReason,
        s.DisabledAt, s.FailingSince, s.FailureStreak, s.LastSuccessAt, s.LastFailureAt, s.CreatedAt, s.UpdatedAt)
    { Secret = secret, Destination = DestinationResponse.From(s.Url, s.Destination) };
}
