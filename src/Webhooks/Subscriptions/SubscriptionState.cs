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

    /// <summary>Deliveries go to it: it is enabled and, when it must prove its endpoint's consent, has.</summary>
    public static bool TakesDeliveries(Subscription subscription) =>
        subscription.Enabled && (!subscription.VerifyOwnership || subscription.VerifiedAt is not null);

    /// <summary>The ownership handshake's state, or null when the subscription does not need it.</summary>
    public static string? Verification(Subscription subscription) =>
        !subscription.VerifyOwnership ? null
        : subscription.VerifiedAt is not null ? "verified"
        : subscription.VerificationAttemptedAt is null ? "pending"
        : "failed";

    /// <summary>
    /// Disabled (or waiting for its endpoint's consent): due deliveries wait as paused (a worker pauses the ones it holds when it next looks).
    /// Enabled: paused deliveries are sent, oldest first, or discarded when the caller says so.
    /// </summary>
    public static async Task MoveDeliveries(WebhooksDb db, Subscription subscription, string? pausedDeliveries, DateTimeOffset now)
    {
        var deliveries = db.Deliveries.Where(d => d.SubscriptionId == subscription.Id);
        if (subscription.Enabled && pausedDeliveries == "discard")
            await deliveries.Where(d => d.Status == DeliveryStatus.Paused)
                .ExecuteUpdateAsync(u => u.SetProperty(d => d.Status, DeliveryStatus.Discarded).SetProperty(d => d.UpdatedAt, now));
        else if (!TakesDeliveries(subscription))
            await deliveries.Where(d => d.Status == DeliveryStatus.Pending && (d.LeaseUntil == null || d.LeaseUntil <= now))
                .ExecuteUpdateAsync(u => u.SetProperty(d => d.Status, DeliveryStatus.Paused).SetProperty(d => d.UpdatedAt, now));
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
