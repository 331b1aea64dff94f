using System.Net;
using Microsoft.Extensions.Options;

namespace Webhooks.Delivery;

public sealed class DeliveryOptions
{
    public const string Section = "Webhooks:Delivery";

    public TimeSpan Timeout { get; set; } = TimeSpan.FromSeconds(15);
    public TimeSpan[] RetrySchedule { get; set; } = [];
    public TimeSpan DisableAfter { get; set; } = TimeSpan.FromDays(5);
    public TimeSpan SecretOverlap { get; set; } = TimeSpan.FromDays(1);
    public bool AllowHttp { get; set; }
    public string[] AllowedNetworks { get; set; } = [];
    /// <summary>The only ports endpoints may use; empty: any from 1 to 65535.</summary>
    public int[] AllowedPorts { get; set; } = [];
    /// <summary>How fast a bulk replay feeds deliveries back into the queue, so live traffic keeps flowing.</summary>
    public int ReplayPerSecond { get; set; } = 100;
    public CircuitBreakerOptions CircuitBreaker { get; set; } = new();

    public IReadOnlyList<IPNetwork> AllowedRanges => field ??= AllowedNetworks.Select(n => IPNetwork.Parse(n)).ToList();
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
        if (o.RetrySchedule.Length == 0 || o.RetrySchedule.Any(d => d <= TimeSpan.Zero))
            errors.Add($"{DeliveryOptions.Section}:RetrySchedule must list at least one positive delay.");
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
        foreach (var port in o.AllowedPorts.Where(p => p is < 1 or > 65535))
            errors.Add($"{DeliveryOptions.Section}:AllowedPorts has {port}, which is not a port from 1 to 65535.");
        foreach (var network in o.AllowedNetworks)
            if (!IPNetwork.TryParse(network, out _))
                errors.Add($"{DeliveryOptions.Section}:AllowedNetworks has '{network}', which is not a CIDR range like 127.0.0.0/8.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
