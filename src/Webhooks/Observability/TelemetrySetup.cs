using System.Reflection;
using Microsoft.Extensions.Options;
using OpenTelemetry;
using OpenTelemetry.Exporter;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Webhooks.Observability;

/// <summary>
/// OTLP export of the app's metrics and traces when Webhooks:Telemetry:OtlpEndpoint is set. The SDK is wired
/// by hand (no OpenTelemetry.Extensions.Hosting here): the providers are singletons that the host creates
/// at start and disposes, flushing what is left, at shutdown.
/// </summary>
public static class TelemetrySetup
{
    // Built-in instruments of the framework and Npgsql, next to the app's own.
    private static readonly string[] Meters =
        [WebhooksMetrics.Name, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "System.Net.Http", "System.Runtime", "Npgsql"];

    // Npgsql's spans are left out: the delivery queue polls, and every poll would be a trace of its own.
    private static readonly string[] Sources = [WebhooksMetrics.Name, "Microsoft.AspNetCore", "System.Net.Http"];

    public static void AddTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>();
        var configured = builder.Configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new();
        if (!configured.Enabled) return;

        builder.Services.AddSingleton(sp => BuildMeterProvider(sp.GetRequiredService<IOptions<TelemetryOptions>>().Value));
        builder.Services.AddSingleton(sp => BuildTracerProvider(sp.GetRequiredService<IOptions<TelemetryOptions>>().Value));
        builder.Services.AddHostedService<TelemetryLifetime>();
    }

    private static MeterProvider BuildMeterProvider(TelemetryOptions o) =>
        Sdk.CreateMeterProviderBuilder()
            .ConfigureResource(r => Describe(r, o))
            .AddMeter(Meters)
            .AddOtlpExporter((exporter, reader) =>
            {
                Configure(exporter, o, "v1/metrics");
                reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)o.ExportInterval.TotalMilliseconds;
            })
            .Build()!;

    private static TracerProvider BuildTracerProvider(TelemetryOptions o) =>
        Sdk.CreateTracerProviderBuilder()
            .ConfigureResource(r => Describe(r, o))
            .AddSource(Sources)
            .AddOtlpExporter(exporter =>
            {
                Configure(exporter, o, "v1/traces");
                exporter.BatchExportProcessorOptions.ScheduledDelayMilliseconds = (int)o.ExportInterval.TotalMilliseconds;
            })
            .Build()!;

    private static void Describe(ResourceBuilder resource, TelemetryOptions o) =>
        resource.AddService(o.ServiceName,
            serviceVersion: typeof(TelemetrySetup).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion,
            serviceInstanceId: $"{Environment.MachineName}-{Environment.ProcessId}");

    private static void Configure(OtlpExporterOptions exporter, TelemetryOptions o, string signalPath)
    {
        var endpoint = o.OtlpEndpoint!.TrimEnd('/');
        if (o.OtlpProtocol == TelemetryOptions.Grpc)
        {
            exporter.Protocol = OtlpExportProtocol.Grpc;
            exporter.Endpoint = new Uri(endpoint);
        }
        else
        {
            // Like OTEL_EXPORTER_OTLP_ENDPOINT: a base address, to which each signal adds its own path.
            exporter.Protocol = OtlpExportProtocol.HttpProtobuf;
            exporter.Endpoint = new Uri($"{endpoint}/{signalPath}");
        }
        if (!string.IsNullOrWhiteSpace(o.OtlpHeaders)) exporter.Headers = o.OtlpHeaders;
        // An unreachable collector must not hold up requests' threads or a shutdown for long.
        exporter.TimeoutMilliseconds = 5000;
    }
}

/// <summary>
/// Makes the host create the providers at start. At shutdown the container disposes them after every hosted
/// service has stopped, and disposing exports what is left (bounded by the exporter's timeout).
/// </summary>
internal sealed class TelemetryLifetime : IHostedService
{
    // Asking for the providers is the point: the container builds them now and owns them from here on.
    public TelemetryLifetime(MeterProvider meters, TracerProvider traces) { }

    public Task StartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
