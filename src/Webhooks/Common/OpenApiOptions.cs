using Microsoft.Extensions.Options;

namespace Webhooks.Common;

/// <summary>Who the served OpenAPI document names as the contact: the operators of this installation, not the authors of the software.</summary>
public sealed class OpenApiContactOptions
{
    public const string Section = "Webhooks:OpenApi";

    public string ContactName { get; set; } = "";
    public string ContactEmail { get; set; } = "";
    public string ContactUrl { get; set; } = "";
}

internal sealed class OpenApiContactOptionsValidator : IValidateOptions<OpenApiContactOptions>
{
    public ValidateOptionsResult Validate(string? name, OpenApiContactOptions o)
    {
        var errors = new List<string>();
        if (o.ContactName.Length > 200)
            errors.Add($"{OpenApiContactOptions.Section}:ContactName must be at most 200 characters (was {o.ContactName.Length}).");
        if (o.ContactEmail.Length > 0 && !System.Net.Mail.MailAddress.TryCreate(o.ContactEmail, out _))
            errors.Add($"{OpenApiContactOptions.Section}:ContactEmail must be an email address or empty (was '{o.ContactEmail}').");
        if (o.ContactUrl.Length > 0 && !(Uri.TryCreate(o.ContactUrl, UriKind.Absolute, out var url) && url.Scheme is "http" or "https"))
            errors.Add($"{OpenApiContactOptions.Section}:ContactUrl must be an absolute http(s) URL or empty (was '{o.ContactUrl}').");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
