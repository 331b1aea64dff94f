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

/// <summary>
/// A partner endpoint and its health. <see cref="Secret"/> is set only when it was created or its secret rotated.
/// For a broker destination, <see cref="Url"/> is the address without credentials and <see cref="Destination"/> says the rest.
/// </summary>
public sealed record Subscription(
    Guid Id, Guid PartnerId, string Url, IReadOnlyList<string> EventTypes, string? Description, IReadOnlyDictionary<string, string> Headers,
    int? RateLimitPerSecond, bool Enabled, string? DisabledReason, DateTimeOffset? DisabledAt,
    DateTimeOffset? FailingSince, int FailureStreak, DateTimeOffset? LastSuccessAt, DateTimeOffset? LastFailureAt,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, string? Secret = null)
{
    /// <summary>The wire format of its deliveries: one of <see cref="DeliveryFormat"/>.</summary>
    public string Format { get; init; } = DeliveryFormat.StandardWebhooks;

    /// <summary>Whether its endpoint must pass the ownership handshake before deliveries go to it.</summary>
    public bool VerifyOwnership { get; init; }

    /// <summary>The ownership handshake's outcome; null when <see cref="VerifyOwnership"/> is false.</summary>
    public OwnershipVerification? Verification { get; init; }

    /// <summary>Where it delivers, without credentials. The service always says; the default is the HTTP endpoint at <see cref="Url"/>.</summary>
    public Destination Destination { get; init; } = new(DestinationType.Http) { Url = Url };

    // A logged subscription must not carry its signing secret: it shows as *** when set.
    private bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Id = {Id}, PartnerId = {PartnerId}, Url = {Url}, EventTypes = [{string.Join(", ", EventTypes)}], Enabled = {Enabled}, ");
        builder.Append($"Format = {Format}, Destination = {Destination}, FailureStreak = {FailureStreak}, Secret = {(Secret is null ? "" : "***")}");
        return true;
    }
}

/// <summary>
/// The ownership handshake (the CloudEvents webhook validation: an OPTIONS request the endpoint must consent to):
/// <see cref="State"/> is one of <see cref="VerificationState"/>, <see cref="Error"/> says why it failed, and
/// <see cref="AllowedRatePerMinute"/> is the rate the endpoint granted, if it named one. Until verified, deliveries wait as paused.
/// </summary>
public sealed record OwnershipVerification(string State, DateTimeOffset? VerifiedAt, DateTimeOffset? LastAttemptAt, string? Error, int? AllowedRatePerMinute);

/// <summary>The states of the ownership handshake.</summary>
public static class VerificationState
{
    /// <summary>Not tried yet.</summary>
    public const string Pending = "pending";
    public const string Verified = "verified";
    public const string Failed = "failed";
}

/// <summary>The wire formats a subscription can deliver in. Each carries the webhook-id, webhook-timestamp and webhook-signature headers.</summary>
public static class DeliveryFormat
{
    /// <summary><c>{"type", "timestamp", "data"}</c> as application/json; the default.</summary>
    public const string StandardWebhooks = "standard-webhooks";
    /// <summary>The whole CloudEvent in the body, as application/cloudevents+json.</summary>
    public const string CloudEventsStructured = "cloudevents-structured";
    /// <summary>The CloudEvent's attributes as ce-* headers and its data as the body (not for SQS).</summary>
    public const string CloudEventsBinary = "cloudevents-binary";
}

/// <summary>The kinds of destination a subscription can deliver to.</summary>
public static class DestinationType
{
    public const string Http = "http";
    public const string RabbitMq = "rabbitmq";
    public const string Sqs = "sqs";
}

/// <summary>
/// Where a subscription delivers, as the service shows it: never the credentials (a RabbitMQ <see cref="Connection"/>
/// shows <c>***</c> in their place). <see cref="Type"/> is one of <see cref="DestinationType"/>; only its members are set.
/// </summary>
public record Destination(string Type)
{
    public string? Url { get; init; }
    /// <summary>An amqp:// or amqps:// URI: given with the user and password (<c>amqp://user:password@host:5672/vhost</c>), shown without.</summary>
    public string? Connection { get; init; }
    public string? Exchange { get; init; }
    public string? RoutingKey { get; init; }
    public string? QueueUrl { get; init; }
    public string? Region { get; init; }
    /// <summary>Another SQS endpoint than AWS's for the region (a local stand-in, say).</summary>
    public string? ServiceUrl { get; init; }
}

/// <summary>
/// Where a subscription is to deliver: <see cref="Http"/>, <see cref="RabbitMq"/> or <see cref="Sqs"/>, with the credentials the
/// service never shows. The service checks its form when it is given (a broker need not be reachable yet) and keeps its
/// credentials encrypted.
/// </summary>
public sealed record NewDestination(string Type) : Destination(Type)
{
    public string? AccessKeyId { get; init; }
    public string? SecretAccessKey { get; init; }

    public static NewDestination Http(string url) => new(DestinationType.Http) { Url = url };

    /// <summary>Publishes to <paramref name="exchange"/> (<c>""</c> is the default exchange) with <paramref name="routingKey"/>.</summary>
    public static NewDestination RabbitMq(string connection, string exchange, string routingKey) =>
        new(DestinationType.RabbitMq) { Connection = connection, Exchange = exchange, RoutingKey = routingKey };

    public static NewDestination Sqs(string queueUrl, string region, string accessKeyId, string secretAccessKey, string? serviceUrl = null) =>
        new(DestinationType.Sqs) { QueueUrl = queueUrl, Region = region, AccessKeyId = accessKeyId, SecretAccessKey = secretAccessKey, ServiceUrl = serviceUrl };

    // A logged destination must not carry its credentials: the connection's password and the secret key are left out.
    protected override bool PrintMembers(System.Text.StringBuilder builder)
    {
        builder.Append($"Type = {Type}, Url = {Url}, Exchange = {Exchange}, RoutingKey = {RoutingKey}, QueueUrl = {QueueUrl}, ");
        builder.Append($"Region = {Region}, AccessKeyId = {AccessKeyId}, ServiceUrl = {ServiceUrl}");
        return true;
    }
}

/// <summary>
/// A subscription to create: the endpoint URL (or a <see cref="Destination"/>) and event type filters (<c>order.placed</c>,
/// <c>order.*</c>, <c>*</c>). A partner key may leave out <see cref="PartnerId"/>; an admin key must give it.
/// </summary>
public sealed record NewSubscription(string? Url, IReadOnlyList<string> EventTypes)
{
    /// <summary>A subscription that delivers to <paramref name="destination"/>, a broker's or an HTTP endpoint's.</summary>
    public NewSubscription(NewDestination destination, IReadOnlyList<string> eventTypes) : this((string?)null, eventTypes) => Destination = destination;

    public Guid? PartnerId { get; init; }
    public string? Description { get; init; }
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
    public int? RateLimitPerSecond { get; init; }
    /// <summary>One of <see cref="DeliveryFormat"/>; <see cref="DeliveryFormat.StandardWebhooks"/> when left out.</summary>
    public string? Format { get; init; }
    /// <summary>
    /// Whether the endpoint must pass the ownership handshake first (HTTP endpoints only); left out, the service's
    /// configuration decides (off by default). The handshake runs while the subscription is created.
    /// </summary>
    public bool? VerifyOwnership { get; init; }
    /// <summary>Where to deliver, instead of <see cref="Url"/>: give one or the other.</summary>
    public NewDestination? Destination { get; init; }
}

/// <summary>What to change on a subscription; members left null stay as they are (they are not sent).</summary>
public sealed record SubscriptionChanges
{
    public string? Url { get; init; }
    public IReadOnlyList<string>? EventTypes { get; init; }
    public string? Description { get; init; }
    public IReadOnlyDictionary<string, string>? Headers { get; init; }
    public int? RateLimitPerSecond { get; init; }
    /// <summary>Takes the rate limit away (sent as <c>rateLimitPerSecond: null</c>); over <see cref="RateLimitPerSecond"/> if both are set.</summary>
    [System.Text.Json.Serialization.JsonIgnore] public bool RemoveRateLimit { get; init; }
    public bool? Enabled { get; init; }
    /// <summary>When enabling: <see cref="PausedDeliveries.Send"/> (the default) or <see cref="PausedDeliveries.Discard"/> the deliveries kept while it was disabled.</summary>
    public string? PausedDeliveries { get; init; }
    /// <summary>One of <see cref="DeliveryFormat"/>.</summary>
    public string? Format { get; init; }
    /// <summary>Turning it on runs the ownership handshake; until the endpoint passes it, deliveries wait as paused.</summary>
    public bool? VerifyOwnership { get; init; }
    /// <summary>
    /// A new destination, whole (credentials included), instead of <see cref="Url"/>. A new endpoint of a subscription that
    /// needs the ownership handshake takes it again; a broker destination needs <see cref="VerifyOwnership"/> false.
    /// </summary>
    public NewDestination? Destination { get; init; }
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
