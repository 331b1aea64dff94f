using Microsoft.Extensions.Options;
using Webhooks.Ingest;

namespace Webhooks.Sources;

/// <summary>Runs every configured queue source on this instance until it stops; each stops cleanly (its batch in flight finished).</summary>
public sealed class SourceHost(IOptions<SourcesOptions> options, MessageIngest ingest, SourceMetrics metrics, ILoggerFactory loggers) : BackgroundService
{
    protected override Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var logger = loggers.CreateLogger<SourceHost>();
        var sources = options.Value.RabbitMq.Select(s => (Func<Task>)(() => new RabbitMqSource(s.Key, s.Value, ingest, metrics, logger).RunAsync(stoppingToken)))
            .Concat(options.Value.Sqs.Select(s => (Func<Task>)(() => RunAsync(new SqsSource(s.Key, s.Value, ingest, metrics, logger), stoppingToken))));
        // Each on the thread pool, so that start-up never waits for a broker.
        return Task.WhenAll(sources.Select(run => Task.Run(run, CancellationToken.None)));
    }

    private static async Task RunAsync(SqsSource source, CancellationToken stoppingToken)
    {
        using (source) await source.RunAsync(stoppingToken);
    }
}

public static class SourcesSetup
{
    /// <summary>Queue sources run on every instance whose workers run (Webhooks:Workers:Enabled).</summary>
    public static void AddSources(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<SourcesOptions>().BindConfiguration(SourcesOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<SourcesOptions>, SourcesOptionsValidator>();
        builder.Services.AddSingleton<MessageIngest>();
        builder.Services.AddSingleton<SourceMetrics>();
        if (builder.Configuration.GetValue("Webhooks:Workers:Enabled", true))
            builder.Services.AddHostedService<SourceHost>();
    }
}
