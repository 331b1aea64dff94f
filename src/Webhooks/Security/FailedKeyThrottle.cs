using Microsoft.Extensions.Options;

namespace Webhooks.Security;

/// <summary>
/// Counts requests with an unknown API key per client address (<see cref="LimitsOptions.FailedKeyAttemptsPerMinute"/> a
/// minute). While an address has none left, its requests are refused before their key is even looked up, so keys cannot
/// be guessed at speed. Per instance.
/// </summary>
public sealed class FailedKeyThrottle(IOptions<LimitsOptions> options) : IDisposable
{
    private readonly PerMinuteLimiter<string> _attempts = new(options.Value.FailedKeyAttemptsPerMinute);

    /// <summary>How long the address must wait, when it has used up its failed attempts; null when it may try.</summary>
    public TimeSpan? Blocked(string address) => _attempts.HasToken(address) ? null : _attempts.OneToken;

    /// <summary>Counts one failed attempt of the address.</summary>
    public void Failed(string address) => _attempts.TryTake(address);

    public static string AddressOf(HttpContext context) => context.Connection.RemoteIpAddress?.ToString() ?? "unknown";

    public void Dispose() => _attempts.Dispose();
}
