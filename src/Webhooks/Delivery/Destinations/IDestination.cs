namespace Webhooks.Delivery.Destinations;

/// <summary>
/// One kind of destination a subscription delivers to. It carries a signed message there and says how that went;
/// timeouts, circuit breaking, retries, dead letters and fairness are the delivery engine's, the same for every kind.
/// </summary>
public interface IDestination
{
    /// <summary>The kind, as a subscription names it.</summary>
    string Type { get; }

    /// <summary>Sends one message. The destination's own failures are an outcome, not an exception; cancellation is the attempt's timeout.</summary>
    ValueTask<SendOutcome> SendAsync(ClaimedDelivery delivery, OutgoingMessage message, CancellationToken cancellationToken);
}

/// <summary>
/// What a destination answered. <paramref name="ErrorKind"/> is null when it took the message (an HTTP 2xx, a broker's confirm);
/// <paramref name="StatusCode"/> is the HTTP status where there is one.
/// </summary>
public sealed record SendOutcome(
    int? StatusCode, string? ErrorKind, string? Error, string? ResponseHeaders = null, string? ResponseBody = null, TimeSpan? RetryAfter = null);
