using Microsoft.Extensions.Options;

namespace Webhooks.Observability;

public sealed class TelemetryOptions
{
    public const string Section = "Webhooks:Telemetry";
    public const string HttpProtobuf = "http/protobuf";
    public const string Grpc = "grpc";

    /// <summary>The collector's base address (e.g. http://otel-collector:4318); empty turns export off.</summary>
    public string? OtlpEndpoint { get; set; }
    public string OtlpProtocol { get; set; } = HttpProtobuf;
    /// <summary>Extra request headers in the OTEL_EXPORTER_OTLP_HEADERS form: <c>key1=value1,key2=value2</c>.</summary>
    public string? OtlpHeaders { get; set; }
    public TimeSpan ExportInterval { get; set; } = TimeSpan.FromSeconds(15);
    public string ServiceName { get; set; } = "webhooks";

    public bool Enabled => !string.IsNullOrWhiteSpace(OtlpEndpoint);
}

internal sealed class TelemetryOptionsValidator : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions o)
    {
        var errors = new List<string>();
        if (o.Enabled && !(Uri.TryCreate(o.OtlpEndpoint, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"))
            errors.Add($"{TelemetryOptions.Section}:OtlpEndpoint must be an absolute http:// or https:// address like http://otel-collector:4318 (was '{o.OtlpEndpoint}').");
        if (o.OtlpProtocol is not (TelemetryOptions.HttpProtobuf or TelemetryOptions.Grpc))
            errors.Add($"{TelemetryOptions.Section}:OtlpProtocol must be '{TelemetryOptions.HttpProtobuf}' or '{TelemetryOptions.Grpc}' (was '{o.OtlpProtocol}').");
        // The values may be credentials: name the key, never echo them.
        if (!string.IsNullOrWhiteSpace(o.OtlpHeaders) && o.OtlpHeaders.Split(',').Any(h => h.IndexOf('=') < 1))
            errors.Add($"{TelemetryOptions.Section}:OtlpHeaders must be a comma-separated list of key=value pairs.");
        if (o.ExportInterval < TimeSpan.FromMilliseconds(100) || o.ExportInterval > TimeSpan.FromMinutes(10))
            errors.Add($"{TelemetryOptions.Section}:ExportInterval must be between 00:00:00.1 and 00:10:00 (was {o.ExportInterval}).");
        if (string.IsNullOrWhiteSpace(o.ServiceName))
            errors.Add($"{TelemetryOptions.Section}:ServiceName must not be empty.");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
