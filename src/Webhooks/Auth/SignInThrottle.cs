using System.Threading.RateLimiting;
using Microsoft.Extensions.Options;
using Webhooks.Ui;

namespace Webhooks.Auth;

/// <summary>
/// Slows down guessing from one client: each client address may try <see cref="UiOptions.SignInAttemptsPerMinute"/>
/// sign-ins a minute (a token bucket, refilled evenly); beyond that it is refused before any password is checked.
/// Counted per instance. Behind a proxy, enable forwarded headers so the client's address is the one counted.
/// </summary>
public sealed class SignInThrottle : IDisposable
{
    private readonly PartitionedRateLimiter<string> _limiter;

    public SignInThrottle(IOptions<UiOptions> options)
    {
        var perMinute = options.Value.SignInAttemptsPerMinute;
        // Refilled evenly: one attempt every 60/perMinute seconds, in steps of at least a second.
        var period = TimeSpan.FromSeconds(Math.Max(1, 60.0 / perMinute));
        var tokens = Math.Max(1, (int)Math.Round(perMinute * period.TotalMinutes));
        _limiter = PartitionedRateLimiter.Create<string, string>(address => RateLimitPartition.GetTokenBucketLimiter(address, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = perMinute,
            TokensPerPeriod = tokens,
            ReplenishmentPeriod = period,
            QueueLimit = 0,
            AutoReplenishment = true,
        }));
    }

    /// <summary>Takes one attempt for the request's client address; false when it has used them all for now.</summary>
    public bool TryTake(HttpContext context)
    {
        using var lease = _limiter.AttemptAcquire(context.Connection.RemoteIpAddress?.ToString() ?? "unknown");
        return lease.IsAcquired;
    }

    public void Dispose() => _limiter.Dispose();
}
