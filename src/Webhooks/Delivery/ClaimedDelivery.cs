namespace Webhooks.Delivery;

/// <summary>A delivery this worker holds under <see cref="LeaseToken"/>, with what it needs to send it.</summary>
public sealed record ClaimedDelivery(
    Guid Id, Guid EventId, Guid SubscriptionId, Guid LeaseToken, int AttemptCount, int AttemptBase,
    string EventType, string Payload, DateTimeOffset EventCreatedAt,
    string Url, bool Enabled, bool Deleted, string Headers, int? RateLimitPerSecond, string[] ProtectedSecrets)
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

    /// <summary>The destination host: every endpoint on it shares its in-flight cap.</summary>
    public string Host => field ??= Uri.TryCreate(Url, UriKind.Absolute, out var uri) ? uri.IdnHost : Url;
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
}

/// <summary>How a held delivery is given back to the queue.</summary>
public abstract record Completion(ClaimedDelivery Delivery);

/// <summary>An attempt was made: record it and move the delivery to <paramref name="Status"/>, due again after <paramref name="NextIn"/> when pending.</summary>
public sealed record Attempted(ClaimedDelivery Delivery, AttemptResult Attempt, string Status, TimeSpan NextIn) : Completion(Delivery);

/// <summary>No attempt was made: the delivery goes back as <paramref name="Status"/>, due after <paramref name="NextIn"/>.</summary>
public sealed record Released(ClaimedDelivery Delivery, string Status, TimeSpan NextIn) : Completion(Delivery);
