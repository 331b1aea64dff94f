using System.Threading.RateLimiting;

namespace Webhooks.Security;

/// <summary>
/// A token bucket per key holding <c>perMinute</c> tokens that refills one token at a time, so a key that used up its
/// tokens gets a new one every so often rather than a burst each minute. Per instance.
/// </summary>
public sealed class PerMinuteLimiter<TKey>(int perMinute) : IDisposable where TKey : notnull
{
    private readonly PartitionedRateLimiter<TKey> _limiter = PartitionedRateLimiter.Create<TKey, TKey>(key =>
        RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = perMinute,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = TimeSpan.FromMinutes(1) / perMinute,
            QueueLimit = 0,
        }));

    /// <summary>How long a key with no token left waits for its next one.</summary>
    public TimeSpan OneToken { get; } = TimeSpan.FromMinutes(1) / perMinute;

    /// <summary>Whether the key has a whole token left, without taking it (the bucket refills in fractions, and a fraction is not a token).</summary>
    public bool HasToken(TKey key) => _limiter.GetStatistics(key)?.CurrentAvailablePermits >= 1;

    /// <summary>Takes a token of the key; false when it had none.</summary>
    public bool TryTake(TKey key)
    {
        using var lease = _limiter.AttemptAcquire(key);
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
