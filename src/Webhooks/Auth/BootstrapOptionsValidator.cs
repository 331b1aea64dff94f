using Microsoft.Extensions.Options;

namespace Webhooks.Auth;

/// <summary>A configured first admin key or password must not be guessable; empty means generate one.</summary>
internal sealed class BootstrapOptionsValidator : IValidateOptions<BootstrapOptions>
{
    public const string Section = "Webhooks:Bootstrap";
    private const int MinimumKeyLength = 20;
    private const int MinimumPasswordLength = 12;

    // The values are secrets: messages name the key and the rule, never the value.
    public ValidateOptionsResult Validate(string? name, BootstrapOptions o)
    {
        var errors = new List<string>();
        if (!string.IsNullOrEmpty(o.AdminApiKey) && (o.AdminApiKey.Length < MinimumKeyLength || o.AdminApiKey.Any(char.IsWhiteSpace)))
            errors.Add($"{Section}:AdminApiKey must be at least {MinimumKeyLength} characters without spaces, or empty to have one generated.");
        if (!string.IsNullOrEmpty(o.AdminPassword) && o.AdminPassword.Length < MinimumPasswordLength)
            errors.Add($"{Section}:AdminPassword must be at least {MinimumPasswordLength} characters, or empty to have one generated.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}

public static class BootstrapSetup
{
    public static void AddBootstrapChecks(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<BootstrapOptions>().BindConfiguration(BootstrapOptionsValidator.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<BootstrapOptions>, BootstrapOptionsValidator>();
    }
}
