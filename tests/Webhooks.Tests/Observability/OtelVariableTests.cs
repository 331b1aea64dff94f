using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Observability;

/// <summary>
/// The standard OTEL_* environment variables, set on a real app process the way a platform sets them,
/// against collectors on 127.0.0.1.
/// </summary>
public sealed class OtelVariableTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task The_OTEL_variables_configure_the_export_and_win_over_the_Webhooks_Telemetry_keys()
    {
        await using var standard = await RecordingReceiver.StartAsync();
        await using var configured = await RecordingReceiver.StartAsync();
        var collectorKey = "k-" + Guid.NewGuid().ToString("N");
        await using var app = await AppProcess.StartAsync(await TestPostgres.CreateDatabaseAsync(), new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = standard.BaseAddress,
            ["OTEL_EXPORTER_OTLP_HEADERS"] = $"x-collector-key={collectorKey}",
            ["OTEL_SERVICE_NAME"] = "webhooks-from-env",
            ["OTEL_RESOURCE_ATTRIBUTES"] = "deployment.environment.name=ci,team=payments",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "300",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "300",
            // Each loses to its OTEL_* counterpart; an interval of 10 minutes would export nothing while the test waits.
            ["Webhooks:Telemetry:OtlpEndpoint"] = configured.BaseAddress,
            ["Webhooks:Telemetry:ServiceName"] = "webhooks-from-settings",
            ["Webhooks:Telemetry:ExportInterval"] = "00:10:00",
        });
        await app.Client().CreatePartner();

        var metrics = await standard.WaitForAsync("/v1/metrics", e => OtlpExport.MetricNames(e.Body).Contains("http.server.request.duration"), Patience);
        var traces = await standard.WaitForAsync("/v1/traces", e => OtlpExport.Spans(e.Body).Any(s => s.Name.Contains("/api/v1/partners")), Patience);

        Assert.True(metrics is not null, "no metrics reached the collector of OTEL_EXPORTER_OTLP_ENDPOINT\n" + app.Output);
        Assert.True(traces is not null, "no traces reached the collector of OTEL_EXPORTER_OTLP_ENDPOINT\n" + app.Output);
        foreach (var export in new[] { metrics, traces })
        {
            Assert.Equal("application/x-protobuf", export.ContentType);
            Assert.Equal(collectorKey, export.Headers["x-collector-key"]);
            var resource = OtlpExport.Resource(export.Body);
            Assert.Equal("webhooks-from-env", resource["service.name"]);
            Assert.Equal("payments", resource["team"]);
            Assert.Equal("ci", resource["deployment.environment.name"]);
        }
        Assert.Empty(configured.Requests);
    }

    [Fact]
    public async Task A_signal_endpoint_is_used_as_given()
    {
        await using var collector = await RecordingReceiver.StartAsync();
        await using var app = await AppProcess.StartAsync(await TestPostgres.CreateDatabaseAsync(), new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"] = collector.BaseAddress + "/custom/traces",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "300",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "300",
        });
        await app.Client().CreatePartner();

        var traces = await collector.WaitForAsync("/custom/traces", e => OtlpExport.Spans(e.Body).Any(s => s.Name.Contains("/api/v1/partners")), Patience);
        Assert.True(traces is not null, "no traces reached OTEL_EXPORTER_OTLP_TRACES_ENDPOINT\n" + app.Output);
        // Not /custom/traces/v1/traces, nor /v1/traces beside it.
        Assert.All(collector.Requests, r => Assert.Equal("/custom/traces", r.Path));
    }

    [Fact]
    public async Task OTEL_EXPORTER_OTLP_PROTOCOL_grpc_sends_OTLP_over_gRPC()
    {
        await using var collector = await RecordingReceiver.StartAsync(http2Only: true);
        await using var app = await AppProcess.StartAsync(await TestPostgres.CreateDatabaseAsync(), new Dictionary<string, string>
        {
            ["OTEL_EXPORTER_OTLP_ENDPOINT"] = collector.BaseAddress,
            ["OTEL_EXPORTER_OTLP_PROTOCOL"] = "grpc",
            ["OTEL_BSP_SCHEDULE_DELAY"] = "300",
            ["OTEL_METRIC_EXPORT_INTERVAL"] = "300",
        });
        await app.Client().CreatePartner();

        var traces = await collector.WaitForAsync("/opentelemetry.proto.collector.trace.v1.TraceService/Export", _ => true, Patience);
        var metrics = await collector.WaitForAsync("/opentelemetry.proto.collector.metrics.v1.MetricsService/Export", _ => true, Patience);
        Assert.True(traces is not null && metrics is not null, "no gRPC export reached the collector\n" + app.Output);
        Assert.StartsWith("application/grpc", traces.ContentType);
        Assert.StartsWith("application/grpc", metrics.ContentType);
    }
}
