using OpenTelemetry.Exporter;

namespace Webhooks.Observability;

/// <summary>
/// Where OTLP export goes. The standard OTEL_EXPORTER_OTLP_* variables win: the SDK reads them itself, and
/// a Webhooks:Telemetry key only fills in what no variable sets (so a platform that injects the standard
/// variables is obeyed whatever appsettings.json says).
/// </summary>
internal static class OtlpSettings
{
    public const string Traces = "TRACES";
    public const string Metrics = "METRICS";

    private const string Prefix = "OTEL_EXPORTER_OTLP_";

    public static readonly string[] EndpointVariables = [Variable(null, "ENDPOINT"), Variable(Traces, "ENDPOINT"), Variable(Metrics, "ENDPOINT")];
    public static readonly string[] ProtocolVariables = [Variable(null, "PROTOCOL"), Variable(Traces, "PROTOCOL"), Variable(Metrics, "PROTOCOL")];

    /// <summary>Whether the signal (<see cref="Traces"/> or <see cref="Metrics"/>) is exported over OTLP at all.</summary>
    public static bool Exports(IConfiguration configuration, TelemetryOptions options, string signal) =>
        !string.IsNullOrWhiteSpace(options.OtlpEndpoint) || IsSet(configuration, null, "ENDPOINT") || IsSet(configuration, signal, "ENDPOINT");

    public static void Apply(OtlpExporterOptions exporter, IConfiguration configuration, TelemetryOptions options, string signal)
    {
        if (configuration[Variable(signal, "PROTOCOL")] is { Length: > 0 } signalProtocol) exporter.Protocol = Protocol(signalProtocol);
        else if (!IsSet(configuration, null, "PROTOCOL")) exporter.Protocol = Protocol(options.OtlpProtocol);

        // A bad address is left out here, not thrown: the options validator names it at start.
        var endpoint = configuration[Variable(signal, "ENDPOINT")] is { Length: > 0 } signalEndpoint
            ? Address(signalEndpoint, null) // used as given, as the specification says
            : Address(IsSet(configuration, null, "ENDPOINT") ? configuration[Variable(null, "ENDPOINT")]! : options.OtlpEndpoint!,
                // A base address: each signal adds its own path over HTTP.
                exporter.Protocol == OtlpExportProtocol.HttpProtobuf ? $"v1/{signal.ToLowerInvariant()}" : null);
        if (endpoint is not null) exporter.Endpoint = endpoint;

        if (configuration[Variable(signal, "HEADERS")] is { Length: > 0 } signalHeaders) exporter.Headers = signalHeaders;
        else if (!IsSet(configuration, null, "HEADERS") && !string.IsNullOrWhiteSpace(options.OtlpHeaders) && options.OtlpHeaders.Split(',').All(h => h.IndexOf('=') > 0))
            exporter.Headers = options.OtlpHeaders;

        // An unreachable collector must not hold up a shutdown for long.
        if (!IsSet(configuration, null, "TIMEOUT") && !IsSet(configuration, signal, "TIMEOUT")) exporter.TimeoutMilliseconds = 5000;
    }

    private static Uri? Address(string endpoint, string? signalPath) =>
        Uri.TryCreate(signalPath is null ? endpoint : $"{endpoint.TrimEnd('/')}/{signalPath}", UriKind.Absolute, out var uri) ? uri : null;

    private static OtlpExportProtocol Protocol(string value) =>
        value == TelemetryOptions.Grpc ? OtlpExportProtocol.Grpc : OtlpExportProtocol.HttpProtobuf;

    private static bool IsSet(IConfiguration configuration, string? signal, string setting) =>
        !string.IsNullOrWhiteSpace(configuration[Variable(signal, setting)]);

    private static string Variable(string? signal, string setting) => signal is null ? Prefix + setting : $"{Prefix}{signal}_{setting}";
}
