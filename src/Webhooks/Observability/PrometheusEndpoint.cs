using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.Options;
using OpenTelemetry.Metrics;

namespace Webhooks.Observability;

/// <summary>
/// Serves <c>/metrics</c> in the Prometheus text format on Webhooks:Telemetry:PrometheusPort, from a small
/// Kestrel server of its own: the port is independent of how the app's own addresses are configured
/// (ASPNETCORE_URLS, ASPNETCORE_HTTP_PORTS, Kestrel:Endpoints), the API is not reachable through it, and
/// the metrics are not reachable through the API's port.
/// </summary>
internal sealed class PrometheusEndpoint(MeterProvider meters, IOptions<TelemetryOptions> options, ILoggerFactory loggers) : IHostedService, IAsyncDisposable
{
    public const string Path = "/metrics";

    private WebApplication? _server;

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var port = options.Value.PrometheusPort;
        var builder = WebApplication.CreateEmptyBuilder(new WebApplicationOptions());
        builder.WebHost.UseKestrelCore().ConfigureKestrel(kestrel => kestrel.ListenAnyIP(port));
        // The app's logging; given as an instance, so this server does not dispose it.
        builder.Services.AddSingleton(loggers);
        _server = builder.Build();
        _server.Use((context, next) =>
        {
            // Scrapes are not the app's traffic: left out of http.server.request.duration.
            if (context.Features.Get<IHttpMetricsTagsFeature>() is { } tags) tags.MetricsDisabled = true;
            return next(context);
        });
        _server.UseOpenTelemetryPrometheusScrapingEndpoint(meters,
            predicate: context => context.Request.Path == Path && HttpMethods.IsGet(context.Request.Method),
            path: null, configureBranchedPipeline: null, optionsName: null);
        _server.Run(context =>
        {
            context.Response.StatusCode = StatusCodes.Status404NotFound;
            return Task.CompletedTask;
        });
        await _server.StartAsync(cancellationToken);
        loggers.CreateLogger<PrometheusEndpoint>().LogInformation("Prometheus metrics are served on port {Port} at {Path}", port, Path);
    }

    public Task StopAsync(CancellationToken cancellationToken) => _server?.StopAsync(cancellationToken) ?? Task.CompletedTask;

    public ValueTask DisposeAsync() => _server?.DisposeAsync() ?? ValueTask.CompletedTask;
}
