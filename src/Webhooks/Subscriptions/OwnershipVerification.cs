using Microsoft.EntityFrameworkCore;
using Webhooks.Data;

namespace Webhooks.Subscriptions;

/// <summary>
/// Runs the ownership handshake for a subscription that needs it and records the outcome: verified, or the reason it
/// failed. A verified, enabled subscription's paused deliveries then go out, oldest first; until then they wait.
/// </summary>
public sealed class OwnershipVerification(WebhooksDb db, OwnershipHandshake handshake, TimeProvider time)
{
    /// <summary>The subscription as it stands after the handshake, or null when it is gone.</summary>
    public async Task<Subscription?> VerifyAsync(Guid id, CancellationToken cancellationToken)
    {
        var before = await db.Subscriptions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id && s.DeletedAt == null, cancellationToken);
        if (before is null || !before.VerifyOwnership) return before;
        var result = await handshake.RunAsync(before.Url, before.RateLimitPerSecond, cancellationToken);

        var now = time.GetUtcNow();
        DateTimeOffset? verifiedAt = result.Accepted ? now : null;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        // Recorded only if the endpoint is still the one that was asked: a URL changed meanwhile has a handshake of its own.
        var recorded = await db.Subscriptions
            .Where(s => s.Id == id && s.Url == before.Url && s.VerifyOwnership && s.DeletedAt == null)
            .ExecuteUpdateAsync(u => u
                .SetProperty(s => s.VerificationAttemptedAt, now)
                .SetProperty(s => s.VerificationError, result.Error)
                .SetProperty(s => s.VerifiedAt, verifiedAt)
                .SetProperty(s => s.AllowedRatePerMinute, s => result.Accepted ? result.AllowedRatePerMinute : s.AllowedRatePerMinute)
                .SetProperty(s => s.UpdatedAt, now), cancellationToken);
        var after = await db.Subscriptions.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, cancellationToken);
        if (recorded == 1 && after is not null) await SubscriptionState.MoveDeliveries(db, after, null, now);
        await transaction.CommitAsync(cancellationToken);
        return after;
    }
}
