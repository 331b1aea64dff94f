using System.Text.Json.Serialization;
using Webhooks.Delivery.Formats;

namespace Webhooks.Subscriptions;

/// <summary>
/// POST body. <c>Format</c>: standard-webhooks (default), cloudevents-structured or cloudevents-binary. <c>VerifyOwnership</c>:
/// the endpoint must pass the CloudEvents HTTP webhook handshake first (default from Webhooks:Delivery:RequireOwnershipVerification).
/// </summary>
public sealed record CreateSubscription(
    Guid? PartnerId, string? Url, string[]? EventTypes, string? Description, Dictionary<string, string>? Headers, int? RateLimitPerSecond,
    string? Format = null, bool? VerifyOwnership = null)
{
    /// <summary>Where to deliver, instead of <c>url</c>: an HTTP endpoint, a RabbitMQ exchange or an SQS queue.</summary>
    public DestinationRequest? Destination { get; init; }
}

/// <summary>PATCH body: only the members present change. <c>PausedDeliveries</c> says what enabling does with deliveries kept while disabled.</summary>
public sealed record UpdateSubscription(
    string? Url, string[]? EventTypes, string? Description, Dictionary<string, string>? Headers,
    bool? Enabled, string? PausedDeliveries, string? Format = null, bool? VerifyOwnership = null)
{
    /// <summary>A new destination, whole (credentials included); <c>url</c> alone makes it an HTTP endpoint.</summary>
    public DestinationRequest? Destination { get; init; }

    /// <summary>A new rate limit, or <c>null</c> to take it away; left out, it stays as it is.</summary>
    public int? RateLimitPerSecond
    {
        get => _rateLimitPerSecond;
        init { _rateLimitPerSecond = value; ChangesRateLimit = true; }
    }
    private readonly int? _rateLimitPerSecond;

    /// <summary>True when the body names <c>rateLimitPerSecond</c>, <c>null</c> included (the JSON reader sets only what is present).</summary>
    [JsonIgnore] public bool ChangesRateLimit { get; private init; }
}

/// <summary>
/// The ownership handshake of a subscription that needs it: <c>state</c> is <c>pending</c> (not tried yet), <c>verified</c>
/// or <c>failed</c> (<c>error</c> says why); until verified, its deliveries wait as paused.
/// </summary>
public sealed record OwnershipVerificationState(
    string State, DateTimeOffset? VerifiedAt, DateTimeOffset? LastAttemptAt, string? Error, int? AllowedRatePerMinute);

public sealed record SubscriptionResponse(
    Guid Id, Guid PartnerId, string Url, string[] EventTypes, string? Description, Dictionary<string, string> Headers,
    int? RateLimitPerSecond, bool Enabled, string? DisabledReason, DateTimeOffset? DisabledAt,
    DateTimeOffset? FailingSince, int FailureStreak, DateTimeOffset? LastSuccessAt, DateTimeOffset? LastFailureAt,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)]
    public string? Secret { get; init; }

    public string Format { get; init; } = DeliveryFormats.StandardWebhooks;
    public bool VerifyOwnership { get; init; }
    /// <summary>The ownership handshake's state; null when the subscription does not need it.</summary>
    public OwnershipVerificationState? Verification { get; init; }

    /// <summary>Where it delivers; credentials are never shown.</summary>
    public required DestinationResponse Destination { get; init; }

    /// <summary>Custom header values are write-only, like the secret: they often carry credentials.</summary>
    public static SubscriptionResponse From(Subscription s, string? secret = null) => new(
        s.Id, s.PartnerId, s.Url, s.EventTypes, s.Description, SubscriptionHeaders.Masked(s.Headers), s.RateLimitPerSecond, s.Enabled, s.DisabledReason,
        s.DisabledAt, s.FailingSince, s.FailureStreak, s.LastSuccessAt, s.LastFailureAt, s.CreatedAt, s.UpdatedAt)
    {
        Secret = secret,
        Destination = DestinationResponse.From(s.Url, s.Destination),
        Format = s.Format,
        VerifyOwnership = s.VerifyOwnership,
        Verification = SubscriptionState.Verification(s) is { } state
            ? new OwnershipVerificationState(state, s.VerifiedAt, s.VerificationAttemptedAt, s.VerificationError, s.AllowedRatePerMinute)
            : null,
    };
}

/// <summary>
/// A subscription's custom header values are never shown back: reads carry <see cref="Mask"/> in their place,
/// and a change that sends <see cref="Mask"/> for a header keeps the value stored for it.
/// </summary>
public static class SubscriptionHeaders
{
    public const string Mask = "[redacted]";

    public static Dictionary<string, string> Masked(Dictionary<string, string> headers) => headers.ToDictionary(h => h.Key, _ => Mask);

    /// <summary>The new headers with every masked value replaced by the stored one; the errors of masks with nothing stored behind them.</summary>
    public static Dictionary<string, string> Merge(Dictionary<string, string> changed, Dictionary<string, string> stored, Dictionary<string, string[]> errors)
    {
        var merged = new Dictionary<string, string>();
        foreach (var (name, value) in changed)
        {
            if (value != Mask) merged[name] = value;
            else if (stored.FirstOrDefault(h => h.Key.Equals(name, StringComparison.OrdinalIgnoreCase)) is { Key: not null } kept) merged[name] = kept.Value;
            else errors[$"$.headers.{name}"] = [$"'{Mask}' stands for the value stored for this header, and none is: give its value."];
        }
        return merged;
    }
}
