using Microsoft.EntityFrameworkCore;
using Webhooks.Data;
using Webhooks.Subscriptions;

namespace Webhooks.Delivery;

/// <summary>Disables a subscription the delivery engine gave up on (410 Gone, or failing for DisableAfter) and pauses what it holds.</summary>
public sealed class SubscriptionDisabler(IServiceScopeFactory scopes, TimeProvider time, ILogger<SubscriptionDisabler> logger)
{
    public async Task DisableAsync(Guid subscriptionId, string reason, CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        var db = scope.ServiceProvider.GetRequiredService<WebhooksDb>();
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var subscription = await db.Subscriptions.FirstOrDefaultAsync(s => s.Id == subscriptionId && s.DeletedAt == null, cancellationToken);
        if (subscription is not { Enabled: true }) return;
        var now = time.GetUtcNow();
        SubscriptionState.Disable(subscription, reason, now);
        subscription.UpdatedAt = now;
        await db.SaveChangesAsync(cancellationToken);
        await SubscriptionState.MoveDeliveries(db, subscription, null, now);
        await transaction.CommitAsync(cancellationToken);
        logger.LogWarning("Disabled subscription {Subscription}: {Reason}", subscriptionId, reason);
    }
}
