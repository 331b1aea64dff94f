using Microsoft.Extensions.Options;

namespace Webhooks.Security;

/// <summary>Limits that keep one caller from growing the work or the data of everyone (docs/security.md).</summary>
public sealed class LimitsOptions
{
    public const string Section = "Webhooks:Limits";

    /// <summary>Live subscriptions one partner may have: each event is sent once per matching subscription.</summary>
    public int SubscriptionsPerPartner { get; set; } = 100;
    /// <summary>The largest schema of an event type, in bytes of JSON as posted; every key may read every version.</summary>
    public int SchemaBytes { get; set; } = 256 * 1024;
    /// <summary>Test sends to one partner's subscriptions per minute, per instance, whoever asks.</summary>
    public int TestSendsPerMinute { get; set; } = 20;
    /// <summary>Requests with an unknown API key one client address may make per minute before it is refused for a while.</summary>
    public int FailedKeyAttemptsPerMinute { get; set; } = 30;
}

internal sealed class LimitsOptionsValidator : IValidateOptions<LimitsOptions>
{
    public ValidateOptionsResult Validate(string? name, LimitsOptions o)
    {
        var errors = new List<string>();
        if (o.SubscriptionsPerPartner is < 1 or > 100_000)
            errors.Add($"{LimitsOptions.Section}:SubscriptionsPerPartner must be between 1 and 100000 (was {o.SubscriptionsPerPartner}).");
        if (o.SchemaBytes is < 1024 or > 16 * 1024 * 1024)
            errors.Add($"{LimitsOptions.Section}:SchemaBytes must be between 1024 and 16777216 (was {o.SchemaBytes}).");
        if (o.TestSendsPerMinute is < 1 or > 100_000)
            errors.Add($"{LimitsOptions.Section}:TestSendsPerMinute must be between 1 and 100000 (was {o.TestSendsPerMinute}).");
        if (o.FailedKeyAttemptsPerMinute is < 1 or > 100_000)
            errors.Add($"{LimitsOptions.Section}:FailedKeyAttemptsPerMinute must be between 1 and 100000 (was {o.FailedKeyAttemptsPerMinute}).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
