using Microsoft.Extensions.Options;

namespace Webhooks.Ui;

public sealed class UiOptions
{
    public const string Section = "Webhooks:Ui";

    /// <summary>How often the live views (dashboard, a subscription's attempts) read again.</summary>
    public TimeSpan LiveRefresh { get; set; } = TimeSpan.FromSeconds(5);
    /// <summary>Sign-in attempts one client address may make per minute, on each instance; more are refused with 429 unchecked.</summary>
    public int SignInAttemptsPerMinute { get; set; } = 20;
}

internal sealed class UiOptionsValidator : IValidateOptions<UiOptions>
{
    public ValidateOptionsResult Validate(string? name, UiOptions o)
    {
        var errors = new List<string>();
        if (o.LiveRefresh < TimeSpan.FromSeconds(1) || o.LiveRefresh > TimeSpan.FromMinutes(10))
            errors.Add($"{UiOptions.Section}:LiveRefresh must be between 00:00:01 and 00:10:00 (was {o.LiveRefresh}).");
        if (o.SignInAttemptsPerMinute is < 1 or > 100_000)
            errors.Add($"{UiOptions.Section}:SignInAttemptsPerMinute must be between 1 and 100000 (was {o.SignInAttemptsPerMinute}).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
