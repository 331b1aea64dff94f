using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
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

        // An export made while the app was still starting may hold the HTTP metrics and not yet the app's own (clean-clone run L52).
        var metrics = await collector.WaitForAsync("/v1/metrics", e => OtlpExport.MetricNames(e.Body) is var n && n.Contains("http.server.request.duration") && n.Contains("webhooks.deliveries.due"), Patience);
        Assert.NotNull(metrics);
        Assert.Equal("application/x-protobuf", metrics.ContentType);
        Assert.Equal("webhooks-under-test", OtlpExport.Resource(metrics.Body)["service.name"]);
        var names = OtlpExport.MetricNames(metrics.Body);
        Assert.Contains("webhooks.deliveries.due", names);
        Assert.Contains(names, n => n.StartsWith("dotnet.", StringComparison.Ordinal)); // the runtime's
        var traces = await collector.WaitForAsync("/v1/traces", e => OtlpExport.Spans(e.Body).Any(s => s.Name.Contains("/api/v1/partners")), Patience);
        Assert.NotNull(traces);
        Assert.Equal("webhooks-under-test", OtlpExport.Resource(traces.Body)["service.name"]);
    }

    [Fact]
    public async Task Without_an_OTLP_endpoint_or_a_Prometheus_port_nothing_is_set_up_to_export()
    {
        await using var app = new ConfiguredApp(new Dictionary<string, string?> { ["Webhooks:Telemetry:OtlpEndpoint"] = "" });
        await app.InitializeAsync();
        await app.Client().GetAsync("/healthz").Expect(HttpStatusCode.OK);

        Assert.Null(app.Services.GetService<MeterProvider>());
        Assert.Null(app.Services.GetService<TracerProvider>());
        Assert.DoesNotContain(app.Services.GetServices<IHostedService>(), s => s.GetType().Namespace == "Webhooks.Observability");
    }

    [Fact]
    public async Task The_ingest_request_and_every_attempt_are_one_trace_and_database_spans_come_only_inside_traces()
    {
        await using var collector = await RecordingReceiver.StartAsync();
        await using var receiver = await TestReceiver.StartAsync();
        await using var failing = await TestReceiver.StartAsync(_ => new Answer(500));
        await using var app = new ConfiguredApp(new Dictionary<string, string?>
        {
            ["Webhooks:Telemetry:OtlpEndpoint"] = collector.BaseAddress,
            ["Webhooks:Telemetry:ExportInterval"] = "00:00:00.200",
            ["Webhooks:Workers:Enabled"] = "true",
            ["Webhooks:Workers:PollInterval"] = "00:00:00.100",
            ["Webhooks:Delivery:AllowedNetworks"] = "127.0.0.1/32",
            ["Webhooks:Delivery:RetrySchedule"] = "100ms",
        });
        await app.InitializeAsync();
        var admin = app.Client();
        var type = await admin.CreateEventType();
        var partner = await admin.CreatePartner();
        await admin.CreateSubscription(partner, receiver.Url, type);
        await admin.CreateSubscription(partner, failing.Url, type);

        var traceId = ActivityTraceId.CreateRandom();
        var post = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events") { Content = JsonContent.Create(new { type, payload = new { orderId = "o", amount = 1 } }) };
        post.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        await admin.SendAsync(post).Expect(HttpStatusCode.Accepted);
        await receiver.WaitForCount(1);
        await failing.WaitForCount(2); // the first attempt and its one retry

        List<OtlpExport.Span> Exported() => collector.Requests.Where(r => r.Path == "/v1/traces").SelectMany(r => OtlpExport.Spans(r.Body)).ToList();
        var deadline = DateTime.UtcNow + Patience;
        while (Exported().Count(s => s.Name == "webhook attempt" && s.TraceId == traceId.ToHexString()) < 3 && DateTime.UtcNow < deadline)
            await Task.Delay(100);

        // The subscribers get the contract's headers only, with the exporter on too: no trace context of ours (OpenTelemetry's
        // HTTP instrumentation would add its own if the sender's client span were on; it is off, see HttpDestination).
        Assert.All(receiver.Requests.Concat(failing.Requests), r => Assert.DoesNotContain(r.Headers.Keys, h => h is "traceparent" or "tracestate" or "baggage"));
        var spans = Exported();
        var trace = spans.Where(s => s.TraceId == traceId.ToHexString()).ToList();
        var ingest = Assert.Single(trace, s => s.Kind == OtlpExport.Span.Server);
        Assert.StartsWith("POST /api/v1/events", ingest.Name);
        var attempts = trace.Where(s => s.Name == "webhook attempt").ToList();
        Assert.Equal(3, attempts.Count);
        Assert.Equal(["200", "500", "500"], attempts.Select(a => a.Attributes["http.response.status_code"]).Order());
        Assert.All(attempts, a => Assert.Equal(ingest.SpanId, a.ParentSpanId));

        // A request's own statements are spans in its trace...
        var partnerTrace = ActivityTraceId.CreateRandom();
        var create = new HttpRequestMessage(HttpMethod.Post, "/api/v1/partners") { Content = JsonContent.Create(new { name = "Traced" }) };
        create.Headers.Add("traceparent", $"00-{partnerTrace}-{ActivitySpanId.CreateRandom()}-01");
        await admin.SendAsync(create).Expect(HttpStatusCode.Created);
        deadline = DateTime.UtcNow + Patience;
        while (!Exported().Any(s => s.TraceId == partnerTrace.ToHexString() && s.Scope == "Npgsql") && DateTime.UtcNow < deadline) await Task.Delay(100);
        var created = Exported().Where(s => s.TraceId == partnerTrace.ToHexString()).ToList();
        var insert = Assert.Single(created, s => s.Scope == "Npgsql" && s.Attributes.GetValueOrDefault("db.query.text", s.Attributes.GetValueOrDefault("db.statement", "")).Contains("INSERT INTO partners"));
        Assert.Equal(Assert.Single(created, s => s.Kind == OtlpExport.Span.Server).SpanId, insert.ParentSpanId);
        // ...while the workers' polls (every 100 ms all along) and the background commits began none.
        Assert.All(Exported().Where(s => s.Scope == "Npgsql"), s => Assert.False(s.IsRoot, $"an Npgsql span began a trace of its own: {s.Name}"));
    }
}
