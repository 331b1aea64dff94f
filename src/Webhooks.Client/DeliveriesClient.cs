using System.Runtime.CompilerServices;

namespace Webhooks.Client;

/// <summary>Deliveries and replay under /api/v1/deliveries (an <c>admin</c> key, or a <c>partner</c> key for its own).</summary>
public sealed class DeliveriesClient
{
    private readonly ApiConnection _api;

    internal DeliveriesClient(ApiConnection api) => _api = api;

    /// <summary>One page of deliveries that match the filter, newest first.</summary>
    public Task<Page<Delivery>> ListAsync(DeliveryFilter? filter = null, int? limit = null, string? cursor = null, CancellationToken cancellationToken = default)
    {
        filter ??= new DeliveryFilter();
        var query = ApiConnection.Query(("status", filter.Status), ("subscriptionId", filter.SubscriptionId), ("partnerId", filter.PartnerId),
            ("eventType", filter.EventType), ("since", filter.Since), ("until", filter.Until), ("limit", limit), ("cursor", cursor));
        return _api.SendAsync<Page<Delivery>>(HttpMethod.Get, "api/v1/deliveries" + query, null, cancellationToken);
    }

    /// <summary>Every delivery that matches the filter, newest first, page after page.</summary>
    public async IAsyncEnumerable<Delivery> ListAllAsync(DeliveryFilter? filter = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? cursor = null;
        do
        {
            var page = await ListAsync(filter, PageSize.Max, cursor, cancellationToken).ConfigureAwait(false);
            foreach (var delivery in page.Data) yield return delivery;
            cursor = page.NextCursor;
        } while (cursor is not null);
    }

    /// <summary>One delivery with every attempt (status, headers, response excerpt, duration, error).</summary>
    public Task<Delivery> GetAsync(Guid id, CancellationToken cancellationToken = default) =>
        _api.SendAsync<Delivery>(HttpMethod.Get, $"api/v1/deliveries/{id}", null, cancellationToken);

    /// <summary>Queues a dead or succeeded delivery again (same <c>webhook-id</c>, a fresh set of retries); a pending, paused or discarded one is a 409 <c>conflict</c>.</summary>
    public Task<Delivery> ReplayAsync(Guid id, CancellationToken cancellationToken = default) =>
        _api.SendAsync<Delivery>(HttpMethod.Post, $"api/v1/deliveries/{id}/replay", null, cancellationToken);

    /// <summary>Queues again every delivery that matches the filter (dead ones unless its status says succeeded).</summary>
    public Task<BulkReplayResult> ReplayMatchingAsync(DeliveryFilter filter, CancellationToken cancellationToken = default) =>
        _api.SendAsync<BulkReplayResult>(HttpMethod.Post, "api/v1/deliveries/replay", filter, cancellationToken);
}
