using Microsoft.EntityFrameworkCore;
using Webhooks.Data;
using Webhooks.Delivery;

namespace Webhooks.Subscriptions;

/// <summary>Enabling and disabling a subscription, and what happens to the deliveries it holds.</summary>
public static class SubscriptionState
{
    public static void Disable(Subscription subscription, string reason, DateTimeOffset now)
    {
        subscription.Enabled = false;
        subscription.DisabledReason = reason;
        subscription.DisabledAt = now;
    }

    public static void Enable(Subscription subscription)
    {
        subscription.Enabled = true;
        subscription.DisabledReason = null;
        subscription.DisabledAt = null;
        subscription.FailingSince = null;
        subscription.FailureStreak = 0;
    }

    /// <summary>
    /// Disabled: due deliveries wait as paused (a worker pauses the ones it holds when it next looks).
    /// Enabled: paused deliveries are sent, oldest first, or discarded when the caller says so.
    /// </summary>
    public static async Task MoveDeliveries(WebhooksDb db, Subscription subscription, string? pausedDeliveries, DateTimeOffset now)
    {
        var deliveries = db.Deliveries.Where(d => d.SubscriptionId == subscription.Id);
        if (!subscription.Enabled)
            await deliveries.Where(d => d.Status == DeliveryStatus.Pending && (d.LeaseUntil == null || d.LeaseUntil <= now))
                .ExecuteUpdateAsync(u => u.SetProperty(d => d.Status, DeliveryStatus.Paused).SetProperty(d => d.UpdatedAt, now));
        else if (pausedDeliveries == "discard")
            await deliveries.Where(d => d.Status == DeliveryStatus.Paused)
                .ExecuteUpdateAsync(u => u.SetProperty(d => d.Status, DeliveryStatus.Discarded).SetProperty(d => d.UpdatedAt, now));
        else
            // Due at their creation time, so the oldest go first.
            await deliveries.Where(d => d.Status == DeliveryStatus.Paused)
                .ExecuteUpdateAsync(u => u.SetProperty(d => d.Status, DeliveryStatus.Pending)
                    .SetProperty(d => d.NextAttemptAt, d => d.CreatedAt)
                    .SetProperty(d => d.LeaseToken, (Guid?)null)
                    .SetProperty(d => d.LeaseUntil, (DateTimeOffset?)null)
                    .SetProperty(d => d.UpdatedAt, now));
    }
}
