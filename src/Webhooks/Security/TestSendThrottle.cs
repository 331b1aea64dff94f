using Microsoft.Extensions.Options;

namespace Webhooks.Security;

/// <summary>
/// Test sends to one partner's subscriptions, whoever asks for them: <see cref="LimitsOptions.TestSendsPerMinute"/> a
/// minute per partner, per instance. A test send is made at once and skips the queue, so without this a key could make
/// the service send as fast as it can ask.
/// </summary>
public sealed class TestSendThrottle(IOptions<LimitsOptions> options) : IDisposable
{
    private readonly PerMinuteLimiter<Guid> _sends = new(options.Value.TestSendsPerMinute);

    /// <summary>Null when a test send to the partner may go now; otherwise how long until the next may.</summary>
    public TimeSpan? Take(Guid partner) => _sends.TryTake(partner) ? null : _sends.OneToken;

    public void Dispose() => _sends.Dispose();
}
