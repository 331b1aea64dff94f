using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;

namespace Webhooks.Security;

/// <summary>
/// Counts requests with an unknown API key per client address (a token bucket of
/// <see cref="LimitsOptions.FailedKeyAttemptsPerMinute"/> a minute). While an address has none left, its
/// requests are refused before their key is even looked up, so keys cannot be guessed at speed. Per instance.
/// </summary>
public sealed class FailedKeyThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;
    private readonly TimeSpan _oneAttempt;

    public FailedKeyThrottle(IOptions<LimitsOptions> options)
    {
        var perMinute = options.Value.FailedKeyAttemptsPerMinute;
        // The bucket refills one attempt at a time, so a blocked address gets a new try every so often, not a burst each minute.
        _oneAttempt = TimeSpan.FromMinutes(1) / perMinute;
        _limiter = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetTokenBucketLimiter(address, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = perMinute,
            TokensPerPeriod = 1,
            ReplenishmentPeriod = _oneAttempt,
            QueueLimit = 0,
        }));
    }

    /// <summary>How long the address must wait, when it has used up its failed attempts; null when it may try.</summary>
    // Not AttemptAcquire(0): the bucket refills in fractions, and a fraction of an attempt is not one.
    public TimeSpan? Blocked(string address) => _limiter.GetStatistics(address)?.CurrentAvailablePermits >= 1 ? null : _oneAttempt;

    /// <summary>Counts one failed attempt of the address.</summary>
    public void Failed(string address) => _limiter.AttemptAcquire(address).Dispose();

    public static string AddressOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    public void Dispose() => _limiter.Dispose();
}
