using Microsoft.Extensions.Options;
using Webhooks.Delivery;
using Webhooks.Delivery.Destinations;
using Webhooks.Delivery.Formats;

namespace Webhooks.Subscriptions;

/// <summary>What the endpoint answered: consent (with the rate it grants, per minute), or why not.</summary>
public sealed record HandshakeResult(bool Accepted, string? Error, int? AllowedRatePerMinute);

/// <summary>
/// The CloudEvents HTTP webhook validation handshake: an OPTIONS request carrying <c>WebHook-Request-Origin</c> (and
/// <c>WebHook-Request-Rate</c> when the subscription has a rate limit) to the endpoint, through the same guarded connections
/// as deliveries. The endpoint consents by answering 2xx with <c>WebHook-Allowed-Origin</c> equal to the origin or <c>*</c>;
/// its <c>WebHook-Allowed-Rate</c>, when given, caps the delivery rate. Granting by callback is not supported.
/// </summary>
public sealed class OwnershipHandshake(HttpDestination http, IOptionsMonitor<DeliveryOptions> delivery, IOptions<CloudEventOptions> cloudEvents)
{
    private const int MaxQuoted = 200;

    public async Task<HandshakeResult> RunAsync(string url, int? rateLimitPerSecond, CancellationToken cancellationToken)
    {
        var origin = cloudEvents.Value.Origin;
        var timeout = delivery.CurrentValue.Timeout;
        using var request = new HttpRequestMessage(HttpMethod.Options, url);
        request.Headers.TryAddWithoutValidation("WebHook-Request-Origin", origin);
        if (rateLimitPerSecond is { } rate) request.Headers.TryAddWithoutValidation("WebHook-Request-Rate", (rate * 60).ToString());
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            var (response, kind, error) = await http.ExchangeAsync(request, deadline.Token);
            if (response is null) return Refused($"The endpoint could not be reached ({kind}): {error}");
            using (response)
            {
                var status = (int)response.StatusCode;
                var allowedOrigin = Header(response, "WebHook-Allowed-Origin");
                if (status is < 200 or > 299)
                    return Refused($"The endpoint answered the handshake (OPTIONS with WebHook-Request-Origin: {origin}) with HTTP {status}; it must answer 200 with WebHook-Allowed-Origin.");
                if (allowedOrigin is null)
                    return Refused($"The endpoint answered HTTP {status} without a WebHook-Allowed-Origin header, so it did not agree to receive deliveries from {origin}.");
                if (allowedOrigin != "*" && !allowedOrigin.Equals(origin, StringComparison.OrdinalIgnoreCase))
                    return Refused($"The endpoint's WebHook-Allowed-Origin was '{Quote(allowedOrigin)}', not '{origin}' or '*'.");
                var allowedRate = Header(response, "WebHook-Allowed-Rate");
                if (allowedRate is null or "*") return new HandshakeResult(true, null, null);
                if (int.TryParse(allowedRate, System.Globalization.NumberStyles.None, null, out var perMinute) && perMinute > 0)
                    return new HandshakeResult(true, null, perMinute);
                return Refused($"The endpoint's WebHook-Allowed-Rate was '{Quote(allowedRate)}'; it must be '*' or a whole number of requests per minute.");
            }
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return Refused($"The endpoint did not answer the handshake within {timeout}.");
        }
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.NonValidated.TryGetValues(name, out var values) ? values.ToString().Trim() : null;

    private static string Quote(string value) => value.Length > MaxQuoted ? value[..MaxQuoted] + "…" : value;

    private static HandshakeResult Refused(string reason) => new(false, reason, null);
}
