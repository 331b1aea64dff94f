using System.Globalization;
using System.Net;
using System.Text.RegularExpressions;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;
using Webhooks.Common;

namespace Webhooks.Delivery;

public sealed class DeliveryOptions
{
    public const string Section = "Webhooks:Delivery";

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);
    /// <summary>Read whole by <see cref="DeliveryOptionsLists"/>, which also takes 5s / 5m / 2h / 1d; the binder leaves it alone.</summary>
    [ConfigurationKeyName("RetrySchedule (read by DeliveryOptionsLists)")]
    public TimeSpan[] RetrySchedule { get; set; } = [];
    public TimeSpan DisableAfter { get; set; } = TimeSpan.FromDays(5);
    public TimeSpan SecretOverlap { get; set; } = TimeSpan.FromDays(1);
    public bool AllowHttp { get; set; }
    public string[] AllowedNetworks { get; set; } = [];
    /// <summary>The only ports endpoints may use; empty: any from 1 to 65535. Read whole by <see cref="DeliveryOptionsLists"/>.</summary>
    [ConfigurationKeyName("AllowedPorts (read by DeliveryOptionsLists)")]
    public int[] AllowedPorts { get; set; } = [];
    /// <summary>How fast a bulk replay feeds deliveries back into the queue, so live traffic keeps flowing.</summary>
    public int ReplayPerSecond { get; set; } = 100;
    public CircuitBreakerOptions CircuitBreaker { get; set; } = new();
    /// <summary>New subscriptions must pass the CloudEvents ownership handshake unless an admin says otherwise.</summary>
    public bool RequireOwnershipVerification { get; set; }

    public IReadOnlyList<IPNetwork> AllowedRanges => field ??= AllowedNetworks.Select(n => IPNetwork.Parse(n)).ToList();

    /// <summary>Items of RetrySchedule that are not delays, for the validator to name.</summary>
    internal List<string> UnreadableDelays = [];

    /// <summary>Items of AllowedPorts that are not numbers, for the validator to name.</summary>
    internal List<string> UnreadablePorts = [];
}

/// <summary>
/// RetrySchedule and AllowedNetworks are lists that an environment variable must be able to replace, and
/// shorten: each is taken whole from the source that sets it last (<see cref="ConfigurationLists"/>), as
/// entries or as one comma-separated string like <c>5s,5m,30m,2h,5h,10h,10h</c>.
/// </summary>
internal sealed partial class DeliveryOptionsLists(IConfiguration configuration) : IPostConfigureOptions<DeliveryOptions>
{
    public void PostConfigure(string? name, DeliveryOptions options)
    {
        if (ConfigurationLists.Read(configuration, $"{DeliveryOptions.Section}:RetrySchedule") is { } schedule)
        {
            var delays = schedule.Select(item => (Item: item, Delay: ParseDelay(item))).ToList();
            options.UnreadableDelays = delays.Where(d => d.Delay is null).Select(d => d.Item).ToList();
            options.RetrySchedule = delays.Where(d => d.Delay is not null).Select(d => d.Delay!.Value).ToArray();
        }
        if (ConfigurationLists.Read(configuration, $"{DeliveryOptions.Section}:AllowedNetworks") is { } networks)
            options.AllowedNetworks = networks.ToArray();
        if (ConfigurationLists.Read(configuration, $"{DeliveryOptions.Section}:AllowedPorts") is { } ports)
        {
            options.UnreadablePorts = ports.Where(p => !int.TryParse(p, CultureInfo.InvariantCulture, out _)).ToList();
            options.AllowedPorts = ports.Where(p => int.TryParse(p, CultureInfo.InvariantCulture, out _)).Select(p => int.Parse(p, CultureInfo.InvariantCulture)).ToArray();
        }
    }

    /// <summary>250ms, 5s, 5m, 2h, 1d (decimals allowed), or a TimeSpan like 00:00:05 or 1.00:00:00; a bare number is refused (seconds? days?).</summary>
    public static TimeSpan? ParseDelay(string item)
    {
        if (item.Contains(':')) return TimeSpan.TryParse(item, CultureInfo.InvariantCulture, out var span) ? span : null;
        var match = DelayWithUnit().Match(item);
        if (!match.Success) return null;
        var amount = double.Parse(match.Groups[1].Value, CultureInfo.InvariantCulture);
        try
        {
            return match.Groups[2].Value switch
            {
                "ms" => TimeSpan.FromMilliseconds(amount),
                "s" => TimeSpan.FromSeconds(amount),
                "m" => TimeSpan.FromMinutes(amount),
                "h" => TimeSpan.FromHours(amount),
                _ => TimeSpan.FromDays(amount),
            };
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    [GeneratedRegex(@"^(\d+(?:\.\d+)?)(ms|s|m|h|d)$")]
    private static partial Regex DelayWithUnit();
}

/// <summary>When an endpoint's circuit opens: at least MinimumThroughput attempts in 30 seconds, 80 % of them failing; it stays open for BreakDuration.</summary>
public sealed class CircuitBreakerOptions
{
    public int MinimumThroughput { get; set; } = 10;
    public TimeSpan BreakDuration { get; set; } = TimeSpan.FromSeconds(30);
}

internal sealed class DeliveryOptionsValidator : IValidateOptions<DeliveryOptions>
{
    public ValidateOptionsResult Validate(string? name, DeliveryOptions o)
    {
        var errors = new List<string>();
        if (o.Timeout <= TimeSpan.Zero || o.Timeout > TimeSpan.FromMinutes(5))
            errors.Add($"{DeliveryOptions.Section}:Timeout must be between 00:00:00 and 00:05:00 (was {o.Timeout}).");
        foreach (var item in o.UnreadableDelays)
            errors.Add($"{DeliveryOptions.Section}:RetrySchedule has '{item}', which is not a delay like 5s, 5m, 2h, 1d or 00:00:05.");
        if (o.UnreadableDelays.Count == 0 && (o.RetrySchedule.Length == 0 || o.RetrySchedule.Any(d => d <= TimeSpan.Zero)))
            errors.Add($"{DeliveryOptions.Section}:RetrySchedule must list at least one positive delay (a list, or one string like 5s,5m,30m,2h).");
        if (o.DisableAfter <= TimeSpan.Zero)
            errors.Add($"{DeliveryOptions.Section}:DisableAfter must be positive (was {o.DisableAfter}).");
        if (o.SecretOverlap < TimeSpan.Zero)
            errors.Add($"{DeliveryOptions.Section}:SecretOverlap must not be negative (was {o.SecretOverlap}).");
        if (o.ReplayPerSecond is < 1 or > 100_000)
            errors.Add($"{DeliveryOptions.Section}:ReplayPerSecond must be between 1 and 100000 (was {o.ReplayPerSecond}).");
        if (o.CircuitBreaker.MinimumThroughput < 2)
            errors.Add($"{DeliveryOptions.Section}:CircuitBreaker:MinimumThroughput must be at least 2 (was {o.CircuitBreaker.MinimumThroughput}).");
        if (o.CircuitBreaker.BreakDuration < TimeSpan.FromMilliseconds(500) || o.CircuitBreaker.BreakDuration > TimeSpan.FromDays(1))
            errors.Add($"{DeliveryOptions.Section}:CircuitBreaker:BreakDuration must be between 00:00:00.500 and 1.00:00:00 (was {o.CircuitBreaker.BreakDuration}).");
        foreach (var item in o.UnreadablePorts)
            errors.Add($"{DeliveryOptions.Section}:AllowedPorts has '{item}', which is not a port number.");
        foreach (var port in o.AllowedPorts.Where(p => p is < 1 or > 65535))
            errors.Add($"{DeliveryOptions.Section}:AllowedPorts has {port}, which is not a port from 1 to 65535.");
        foreach (var network in o.AllowedNetworks)
            if (!IPNetwork.TryParse(network, out _))
                errors.Add($"{DeliveryOptions.Section}:AllowedNetworks has '{network}', which is not a CIDR range like 127.0.0.0/8.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
