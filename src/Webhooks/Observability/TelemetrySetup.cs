using System.Reflection;
using Microsoft.Extensions.Options;
using Npgsql;
using OpenTelemetry;
using OpenTelemetry.Metrics;
using OpenTelemetry.Resources;
using OpenTelemetry.Trace;

namespace Webhooks.Observability;

/// <summary>
/// OpenTelemetry through its hosting package: traces exported over OTLP, metrics over OTLP and/or scraped by
/// Prometheus on a port of their own. Nothing is set up (no listener, no cost) when neither is configured.
/// </summary>
public static class TelemetrySetup
{
    // Health probes and scrapes come every few seconds and say nothing: no trace for them.
    private static readonly string[] Untraced = ["/healthz", "/readyz", PrometheusEndpoint.Path];

    // The HttpClient's metrics would name every subscriber's host and port: as many series as endpoints. Kept
    // per method, status and error instead; per-endpoint health is webhooks.endpoint.*, bounded.
    private static readonly string[] HttpClientTags = ["http.request.method", "http.response.status_code", "error.type", "network.protocol.version", "url.scheme"];

    public static void AddTelemetry(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<TelemetryOptions>().BindConfiguration(TelemetryOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<TelemetryOptions>, TelemetryOptionsValidator>();

        var configuration = builder.Configuration;
        var configured = configuration.GetSection(TelemetryOptions.Section).Get<TelemetryOptions>() ?? new();
        var traces = OtlpSettings.Exports(configuration, configured, OtlpSettings.Traces);
        var otlpMetrics = OtlpSettings.Exports(configuration, configured, OtlpSettings.Metrics);
        var prometheus = configured.PrometheusPort > 0;
        if (!traces && !otlpMetrics && !prometheus) return;

        var telemetry = builder.Services.AddOpenTelemetry().ConfigureResource(r => Describe(r, configured));
        if (traces)
            telemetry.WithTracing(tracing => tracing
                .AddSource(WebhooksMetrics.Name)
                .AddAspNetCoreInstrumentation(o => o.Filter = context => !Untraced.Contains(context.Request.Path.Value))
                .AddHttpClientInstrumentation()
                .AddNpgsql()
                // Before the exporter, so that the spans it drops are never exported.
                .AddProcessor<UnparentedDatabaseSpans>()
                .AddOtlpExporter(exporter =>
                {
                    OtlpSettings.Apply(exporter, configuration, configured, OtlpSettings.Traces);
                    if (string.IsNullOrWhiteSpace(configuration["OTEL_BSP_SCHEDULE_DELAY"]) && configured.ExportInterval >= TimeSpan.FromMilliseconds(100))
                        exporter.BatchExportProcessorOptions.ScheduledDelayMilliseconds = (int)configured.ExportInterval.TotalMilliseconds;
                }));

        if (otlpMetrics || prometheus)
        {
            telemetry.WithMetrics(metrics =>
            {
                metrics
                    .AddMeter(WebhooksMetrics.Name)
                    .AddAspNetCoreInstrumentation()
                    .AddHttpClientInstrumentation()
                    .AddView(instrument => instrument.Meter.Name == "System.Net.Http" ? new MetricStreamConfiguration { TagKeys = HttpClientTags } : null)
                    .AddNpgsqlInstrumentation()
                    .AddMeter("System.Runtime");
                if (otlpMetrics)
                    metrics.AddOtlpExporter((exporter, reader) =>
                    {
                        OtlpSettings.Apply(exporter, configuration, configured, OtlpSettings.Metrics);
                        if (string.IsNullOrWhiteSpace(configuration["OTEL_METRIC_EXPORT_INTERVAL"]) && configured.ExportInterval >= TimeSpan.FromMilliseconds(100))
                            reader.PeriodicExportingMetricReaderOptions.ExportIntervalMilliseconds = (int)configured.ExportInterval.TotalMilliseconds;
                    });
                if (prometheus) metrics.AddPrometheusExporter();
            });
            builder.Services.AddHostedService<DatabaseGauges>();
        }
        if (prometheus) builder.Services.AddHostedService<PrometheusEndpoint>();
    }

    private static void Describe(ResourceBuilder resource, TelemetryOptions o) =>
        resource
            .AddService(o.ServiceName,
                serviceVersion: typeof(TelemetrySetup).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion,
                serviceInstanceId: $"{Environment.MachineName}-{Environment.ProcessId}")
            // Again after the service: OTEL_SERVICE_NAME and OTEL_RESOURCE_ATTRIBUTES win over ServiceName.
            .AddEnvironmentVariableDetector();
}
