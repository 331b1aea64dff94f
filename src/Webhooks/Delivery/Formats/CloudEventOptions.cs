using Microsoft.Extensions.Options;

namespace Webhooks.Delivery.Formats;

public sealed class CloudEventOptions
{
    public const string Section = "Webhooks:CloudEvents";

    /// <summary>The <c>source</c> of events posted in the native shape when they are delivered as CloudEvents (a URI reference).</summary>
    public string Source { get; set; } = "urn:webhooks";

    /// <summary>
    /// The name this service gives in the ownership handshake's <c>WebHook-Request-Origin</c>, and on every delivery to an
    /// endpoint that passed it (a DNS name).
    /// </summary>
    public string Origin { get; set; } = "webhooks";
}

internal sealed class CloudEventOptionsValidator : IValidateOptions<CloudEventOptions>
{
    public ValidateOptionsResult Validate(string? name, CloudEventOptions o)
    {
        var errors = new List<string>();
        if (string.IsNullOrWhiteSpace(o.Source) || o.Source.Any(char.IsWhiteSpace) || !Uri.TryCreate(o.Source, UriKind.RelativeOrAbsolute, out _))
            errors.Add($"{CloudEventOptions.Section}:Source must be a URI reference, like urn:webhooks or https://webhooks.example.com (was '{o.Source}').");
        if (Uri.CheckHostName(o.Origin) != UriHostNameType.Dns)
            errors.Add($"{CloudEventOptions.Section}:Origin must be a DNS name, like webhooks.example.com (was '{o.Origin}').");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
