using System.Net;
using System.Text;
using Microsoft.Extensions.DependencyInjection;
using OpenTelemetry.Metrics;
using OpenTelemetry.Trace;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Observability;

public sealed class TelemetryExportTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task With_an_OTLP_endpoint_metrics_and_traces_are_posted_to_the_collector()
    {
        await using var collector = await RecordingReceiver.StartAsync();
        await using var app = new ConfiguredApp(new Dictionary<string, string?>
        {
            ["Webhooks:Telemetry:OtlpEndpoint"] = collector.BaseAddress,
            ["Webhooks:Telemetry:ExportInterval"] = "00:00:00.500",
            ["Webhooks:Telemetry:ServiceName"] = "webhooks-under-test",
        });
        await app.InitializeAsync();

        var client = app.Client();
        await client.GetAsync("/healthz").Expect(HttpStatusCode.OK);
        await client.CreatePartner();

        var metrics = await collector.WaitForAsync("/v1/metrics", e => Contains(e, "http.server.request.duration"), Patience);
        Assert.NotNull(metrics);
        Assert.Equal("application/x-protobuf", metrics.ContentType);
        Assert.True(Contains(metrics, "webhooks-under-test"), "the export does not name the service");
        var traces = await collector.WaitForAsync("/v1/traces", _ => true, Patience);
        Assert.NotNull(traces);
    }

    [Fact]
    public async Task Without_an_OTLP_endpoint_nothing_is_set_up_to_export()
    {
        await using var app = new ConfiguredApp(new Dictionary<string, string?> { ["Webhooks:Telemetry:OtlpEndpoint"] = "" });
        await app.InitializeAsync();
        await app.Client().GetAsync("/healthz").Expect(HttpStatusCode.OK);

        Assert.Null(app.Services.GetService<MeterProvider>());
        Assert.Null(app.Services.GetService<TracerProvider>());
    }

    private static bool Contains(RecordingReceiver.Received export, string text) =>
        export.Body.AsSpan().IndexOf(Encoding.UTF8.GetBytes(text)) >= 0;
}
