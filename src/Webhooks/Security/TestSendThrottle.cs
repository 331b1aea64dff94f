using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Webhooks.Security;

/// <summary>
/// Test sends to one partner's subscriptions, whoever asks for them: a token bucket of
/// <see cref="LimitsOptions.TestSendsPerMinute"/> a minute per partner, per instance. A test send is made
/// at once and skips the queue, so without this a key could make the service send as fast as it can ask.
/// </summary>
public sealed class TestSendThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<Guid> _limiter;
    private readonly TimeSpan _oneSend;

    public TestSendThrottle(IOptions<LimitsOptions> options)
    {
        var perMinute = options.Value.TestSendsPerMinute;
        _oneSend = TimeSpan.FromMinutes(1) / perMinute;
        _limiter = PartitionedRateLimiter.Create<Guid, Guid>(partner => RateLimitPartition.GetTokenBucketLimiter(partner, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = perMinute,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = _oneSend,
            QueueLimit = 0,
        }));
    }

    /// <summary>Null when a test send to the partner may go now; otherwise how long until the next may.</summary>
    public TimeSpan? Take(Guid partner)
    {
        using var lease = _limiter.AttemptAcquire(partner);
        return lease.IsAcquired ? null : _oneSend;
    }

    public void Dispose() => _limiter.Dispose();
}
