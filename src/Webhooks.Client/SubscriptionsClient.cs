using System.Runtime.CompilerServices;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Webhooks.Client;

/// <summary>Partner endpoints under /api/v1/subscriptions (an <c>admin</c> key, or a <c>partner</c> key for its own).</summary>
public sealed class SubscriptionsClient
{
    private readonly ApiConnection _api;

    internal SubscriptionsClient(ApiConnection api) => _api = api;

    /// <summary>Creates a subscription; the result carries its signing <see cref="Subscription.Secret"/>, shown this once.</summary>
    public Task<Subscription> CreateAsync(NewSubscription subscription, CancellationToken cancellationToken = default) =>
        _api.SendAsync<Subscription>(HttpMethod.Post, "api/v1/subscriptions", subscription, cancellationToken);

    public Task<Page<Subscription>> ListAsync(Guid? partnerId = null, int? limit = null, string? cursor = null, CancellationToken cancellationToken = default) =>
        _api.SendAsync<Page<Subscription>>(HttpMethod.Get,
            "api/v1/subscriptions" + ApiConnection.Query(("partnerId", partnerId), ("limit", limit), ("cursor", cursor)), null, cancellationToken);

    /// <summary>Every subscription, page after page.</summary>
    public async IAsyncEnumerable<Subscription> ListAllAsync(Guid? partnerId = null, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        string? cursor = null;
        do
        {
            var page = await ListAsync(partnerId, PageSize.Max, cursor, cancellationToken).ConfigureAwait(false);
            foreach (var subscription in page.Data) yield return subscription;
            cursor = page.NextCursor;
        } while (cursor is not null);
    }

    public Task<Subscription> GetAsync(Guid id, CancellationToken cancellationToken = default) =>
        _api.SendAsync<Subscription>(HttpMethod.Get, $"api/v1/subscriptions/{id}", null, cancellationToken);

    /// <summary>Changes the members that are set in <paramref name="changes"/>; enabling sends (or discards) the deliveries paused meanwhile.</summary>
    public Task<Subscription> UpdateAsync(Guid id, SubscriptionChanges changes, CancellationToken cancellationToken = default) =>
        _api.SendAsync<Subscription>(HttpMethod.Patch, $"api/v1/subscriptions/{id}", changes.RemoveRateLimit ? WithoutRateLimit(changes) : changes, cancellationToken);

    // Members left null are not sent (they stay as they are); taking the limit away is the one member sent as null.
    private static JsonObject WithoutRateLimit(SubscriptionChanges changes)
    {
        var body = JsonSerializer.SerializeToNode(changes, ApiConnection.Json)!.AsObject();
        body["rateLimitPerSecond"] = null;
        return body;
    }

    /// <summary>Deletes the subscription; its unsent deliveries are discarded.</summary>
    public Task DeleteAsync(Guid id, CancellationToken cancellationToken = default) =>
        _api.SendAsync(HttpMethod.Delete, $"api/v1/subscriptions/{id}", null, cancellationToken);

    /// <summary>
    /// Runs the ownership handshake again (after the endpoint was set up to consent, say) and returns the subscription with its
    /// <see cref="Subscription.Verification"/>: a refusal is not an exception, its state is <see cref="VerificationState.Failed"/>
    /// with the reason in its error. Once verified, the deliveries paused meanwhile go out. A subscription that does not
    /// need the handshake (<see cref="Subscription.VerifyOwnership"/> false) is refused with a <c>conflict</c> problem.
    /// </summary>
    public Task<Subscription> VerifyAsync(Guid id, CancellationToken cancellationToken = default) =>
        _api.SendAsync<Subscription>(HttpMethod.Post, $"api/v1/subscriptions/{id}/verify", null, cancellationToken);

    /// <summary>
    /// A new signing secret (in the result's <see cref="Subscription.Secret"/>, shown this once); the old one keeps
    /// signing beside it for the service's secret overlap (24 h by default), so receivers can switch without a gap.
    /// </summary>
    public Task<Subscription> RotateSecretAsync(Guid id, CancellationToken cancellationToken = default) =>
        _api.SendAsync<Subscription>(HttpMethod.Post, $"api/v1/subscriptions/{id}/rotate-secret", null, cancellationToken);
}

internal static class PageSize
{
    public const int Max = 500;
}
