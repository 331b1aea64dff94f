namespace Webhooks.Client;

/// <summary>Sending events: POST /api/v1/events and /api/v1/events/batch (a key with the <c>ingest</c> or <c>admin</c> scope).</summary>
public sealed class EventsClient
{
    private readonly ApiConnection _api;

    internal EventsClient(ApiConnection api) => _api = api;

    /// <summary>
    /// Sends one event. It is validated against its type's JSON Schema and committed before this returns.
    /// With an <paramref name="idempotencyKey"/>, a retry of the same call creates nothing and returns the original event.
    /// </summary>
    /// <param name="type">A registered event type, e.g. <c>order.placed</c>.</param>
    /// <param name="payload">Any object that serializes to the JSON the type's schema accepts.</param>
    /// <param name="idempotencyKey">1 to 255 printable ASCII characters that identify this event on the producer's side.</param>
    /// <param name="partnerId">Deliver only to this partner's subscriptions.</param>
    /// <param name="cancellationToken">Cancels the call (the event may have been committed all the same: retry with the same idempotency key).</param>
    /// <exception cref="WebhooksProblemException">The event was refused (e.g. <c>payload-invalid</c>, <c>unknown-event-type</c>); nothing was stored.</exception>
    public Task<EventAccepted> SendAsync(string type, object payload, string? idempotencyKey = null, Guid? partnerId = null, CancellationToken cancellationToken = default) =>
        _api.SendAsync<EventAccepted>(HttpMethod.Post, "api/v1/events", new NewEvent(type, payload, partnerId), cancellationToken, idempotencyKey);

    /// <summary>
    /// Sends 1 to 500 events in one call. Each is validated on its own: the result has one item per event, in order,
    /// accepted or with its error; the accepted ones are committed even when others are refused.
    /// </summary>
    public Task<BatchResult> SendBatchAsync(IEnumerable<NewEvent> events, CancellationToken cancellationToken = default) =>
        _api.SendAsync<BatchResult>(HttpMethod.Post, "api/v1/events/batch", new { events = events.ToList() }, cancellationToken);
}
