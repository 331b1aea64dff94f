using Npgsql;

namespace Webhooks.Delivery;

/// <summary>
/// LISTENs on the <c>deliveries</c> channel (ingest notifies it after each commit) and wakes the
/// worker, so a first attempt starts within milliseconds of the 202. When the connection is lost the
/// worker's polling carries on and the listener reconnects.
/// </summary>
internal sealed class DeliveryNotifications(NpgsqlDataSource dataSource, DeliveryWakeup wakeup, ILogger<DeliveryNotifications> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using var connection = await dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, _) => wakeup.Signal();
                await using (var listen = new NpgsqlCommand($"LISTEN {DeliveryQueue.Channel}", connection))
                    await listen.ExecuteNonQueryAsync(stoppingToken);
                wakeup.Signal();
                while (!stoppingToken.IsCancellationRequested)
                    if (!await connection.WaitAsync(TimeSpan.FromSeconds(30), stoppingToken))
                    {
                        await using var ping = new NpgsqlCommand("SELECT 1", connection);
                        await ping.ExecuteScalarAsync(stoppingToken);
                    }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested) { }
            catch (Exception e)
            {
                logger.LogWarning("Listening for new deliveries failed ({Message}); polling until it reconnects", e.Message);
                try { await Task.Delay(TimeSpan.FromSeconds(1), stoppingToken); }
                catch (OperationCanceledException) { }
            }
        }
    }
}
