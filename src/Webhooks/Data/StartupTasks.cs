using Npgsql;
using Webhooks.Auth;

namespace Webhooks.Data;

/// <summary>Before the server takes requests: apply migrations, then create the first admin key and user.</summary>
internal sealed class StartupTasks(Migrator migrator, Bootstrap bootstrap, ILogger<StartupTasks> logger) : IHostedService
{
    private static readonly TimeSpan WaitForDatabase = TimeSpan.FromSeconds(30);

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow + WaitForDatabase;
        while (true)
        {
            try
            {
                await migrator.MigrateAsync(cancellationToken);
                break;
            }
            catch (NpgsqlException e) when (e.IsTransient && DateTime.UtcNow < deadline)
            {
                logger.LogWarning("The database is not reachable yet ({Message}); retrying", e.Message);
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
            }
        }
        await bootstrap.RunAsync(cancellationToken);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
