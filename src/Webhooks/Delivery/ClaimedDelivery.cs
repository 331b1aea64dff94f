using Webhooks.Delivery.Destinations;

namespace Webhooks.Delivery;

/// <summary>A delivery this worker holds under <see cref="LeaseToken"/>, with what it needs to send it.</summary>
public sealed record ClaimedDelivery(
    Guid Id, Guid EventId, Guid SubscriptionId, Guid LeaseToken, int AttemptCount, int AttemptBase,
    string EventType, string Payload, DateTimeOffset EventCreatedAt,
    string Url, bool Enabled, bool Deleted, string Headers, int? RatePerMinute, string[] ProtectedSecrets)
{
    /// <summary>The number this attempt gets among the ones that count against the retry schedule (1 for the first).</summary>
    public int ScheduledAttempt => AttemptCount - AttemptBase + 1;

    /// <summary>The trace context of the request that posted the event: each attempt is a span in that trace.</summary>
    public string? TraceParent { get; init; }

    /// <summary>The subscription's wire format when it is not standard-webhooks; null for standard-webhooks.</summary>
    public string? Format { get; init; }

    /// <summary>For a CloudEvents format, the attributes of an event that came in as a CloudEvent (a JSON object of strings).</summary>
    public string? CloudEventAttributes { get; init; }

    /// <summary>The endpoint passed the ownership handshake: each delivery names this service's origin, as it was named there.</summary>
    public bool SendsOrigin { get; init; }

    /// <summary>The destination host: every endpoint on it shares its in-flight cap (a broker's host: its URL is the broker's address).</summary>
    public string Host => field ??= Uri.TryCreate(Url, UriKind.Absolute, out var uri) ? uri.IdnHost : Url;

    /// <summary>The subscription's broker destination as stored, or null for HTTP to <see cref="Url"/>.</summary>
    public string? Destination { get; init; }

    /// <summary>The broker destination, parsed (once per distinct stored text), or null for HTTP.</summary>
    public BrokerSettings? Broker => Destination is null ? null : field ??= BrokerSettings.Parse(Destination);
}

/// <summary>What one attempt did, as the attempts table records it.</summary>
public sealed record AttemptResult(
    DateTimeOffset At, int DurationMs, int? StatusCode, string? ErrorKind, string? Error,
    string RequestHeaders, string? ResponseHeaders, string? ResponseBody, TimeSpan? RetryAfter)
{
    /// <summary>The destination took the message: an HTTP 2xx, a broker's confirm.</summary>
    public bool Succeeded => ErrorKind is null;
}

public static class ErrorKinds
{
    public const string Timeout = "timeout";
    public const string Dns = "dns";
    public const string Connect = "connect";
    public const string Tls = "tls";
    public const string HttpStatus = "http_status";
    public const string Blocked = "blocked";
    /// <summary>A broker refused the credentials, or the user may not use the exchange or queue.</summary>
    public const string Auth = "auth";
    /// <summary>The exchange or queue does not exist.</summary>
    public const string NotFound = "not_found";
    /// <summary>RabbitMQ took the message but no queue was bound to receive it (it came back as mandatory).</summary>
    public const string Unroutable = "unroutable";
    /// <summary>The broker refused this message (a negative confirm, an invalid or too large message).</summary>
    public const string Rejected = "rejected";
    /// <summary>The broker asks to slow down (SQS throttling, a RabbitMQ resource alarm blocking publishers).</summary>
    public const string Throttled = "throttled";
    /// <summary>Any other error the broker gave.</summary>
    public const string Broker = "broker";
}

/// <summary>How a held delivery is given back to the queue.</summary>
public abstract record Completion(ClaimedDelivery Delivery);

/// <summary>An attempt was made: record it and move the delivery to <paramref name="Status"/>, due again after <paramref name="NextIn"/> when pending.</summary>
public sealed record Attempted(ClaimedDelivery Delivery, AttemptResult Attempt, string Status, TimeSpan NextIn) : Completion(Delivery);

/// <summary>No attempt was made: the delivery goes back as <paramref name="Status"/>, due after <paramref name="NextIn"/>.</summary>
public sealed record Released(ClaimedDelivery Delivery, string Status, TimeSpan NextIn) : Completion(Delivery);
