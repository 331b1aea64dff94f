using Microsoft.Extensions.Options;

namespace Webhooks.Observability;

public sealed class TelemetryOptions
{
    public const string Section = "Webhooks:Telemetry";
    public const string HttpProtobuf = "http/protobuf";
    public const string Grpc = "grpc";

    /// <summary>The collector's base address (e.g. http://otel-collector:4318); empty: OTLP export only if OTEL_EXPORTER_OTLP_ENDPOINT is set.</summary>
    public string? OtlpEndpoint { get; set; }
    public string OtlpProtocol { get; set; } = HttpProtobuf;
    /// <summary>Extra request headers in the OTEL_EXPORTER_OTLP_HEADERS form: <c>key1=value1,key2=value2</c>.</summary>
    public string? OtlpHeaders { get; set; }
    public TimeSpan ExportInterval { get; set; } = TimeSpan.FromSeconds(15);
    public string ServiceName { get; set; } = "webhooks";
    /// <summary>The port of the Prometheus scrape endpoint <c>/metrics</c>; 0 turns it off.</summary>
    public int PrometheusPort { get; set; }
    /// <summary>How often the database-wide gauges (dead letters, failing endpoints, jobs) are read while metrics are exported.</summary>
    public TimeSpan SampleInterval { get; set; } = TimeSpan.FromSeconds(15);
    /// <summary>How many of the worst failing endpoints get a series of their own.</summary>
    public int FailingEndpoints { get; set; } = 10;
}

internal sealed class TelemetryOptionsValidator(IConfiguration configuration) : IValidateOptions<TelemetryOptions>
{
    public ValidateOptionsResult Validate(string? name, TelemetryOptions o)
    {
        var errors = new List<string>();
        if (!string.IsNullOrWhiteSpace(o.OtlpEndpoint) && !IsHttpAddress(o.OtlpEndpoint))
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
        if (o.PrometheusPort is < 0 or > 65535)
            errors.Add($"{TelemetryOptions.Section}:PrometheusPort must be 0 (off) or a port from 1 to 65535 (was {o.PrometheusPort}).");
        if (o.SampleInterval < TimeSpan.FromMilliseconds(100) || o.SampleInterval > TimeSpan.FromMinutes(10))
            errors.Add($"{TelemetryOptions.Section}:SampleInterval must be between 00:00:00.1 and 00:10:00 (was {o.SampleInterval}).");
        if (o.FailingEndpoints is < 0 or > 100)
            errors.Add($"{TelemetryOptions.Section}:FailingEndpoints must be between 0 and 100 (was {o.FailingEndpoints}).");

        // The standard variables are read by the OpenTelemetry SDK, which drops a bad value without a word: say it at start instead.
        foreach (var variable in OtlpSettings.EndpointVariables)
            if (configuration[variable] is { Length: > 0 } value && !IsHttpAddress(value))
                errors.Add($"{variable} must be an absolute http:// or https:// address (was '{value}').");
        foreach (var variable in OtlpSettings.ProtocolVariables)
            if (configuration[variable] is { Length: > 0 } value && value is not (TelemetryOptions.HttpProtobuf or TelemetryOptions.Grpc))
                errors.Add($"{variable} must be '{TelemetryOptions.HttpProtobuf}' or '{TelemetryOptions.Grpc}' (was '{value}').");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static bool IsHttpAddress(string value) =>
        Uri.TryCreate(value, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https";
}
