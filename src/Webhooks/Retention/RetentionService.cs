using Microsoft.Extensions.Options;

namespace Webhooks.Retention;

/// <summary>Runs the purge shortly after start and then on a timer, on instances that run workers.</summary>
internal sealed class RetentionService(RetentionPurge purge, IOptions<RetentionOptions> options, TimeProvider time, ILogger<RetentionService> logger)
    : BackgroundService
{
    private static readonly TimeSpan FirstRunDelay = TimeSpan.FromMinutes(1);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var interval = options.Value.Interval;
        try
        {
            await Task.Delay(interval < FirstRunDelay ? interval : FirstRunDelay, time, stoppingToken);
            using var timer = new PeriodicTimer(interval, time);
            do
            {
                try
                {
                    await purge.RunAsync(stoppingToken);
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    logger.LogWarning(e, "Retention failed; it is tried again in {Interval}", interval);
                }
            } while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
    }
}
