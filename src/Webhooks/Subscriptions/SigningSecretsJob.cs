using Npgsql;
using Webhooks.Jobs;

namespace Webhooks.Subscriptions;

/// <summary>
/// Recurring job SigningSecrets: removes signing secrets whose overlap after a rotation has ended. They already
/// sign nothing (the sender reads only unexpired ones); this takes them out of the database.
/// </summary>
internal sealed class SigningSecretsJob(NpgsqlDataSource dataSource, ILogger<SigningSecretsJob> logger) : IRecurringWork
{
    private const int Batch = 1000;

    public string Name => "SigningSecrets";
    public string DefaultCron => "17 * * * *";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        long total = 0;
        int removed;
        do
        {
            await using var command = dataSource.CreateCommand("""
                DELETE FROM subscription_secrets WHERE id IN (
                    SELECT id FROM subscription_secrets WHERE expires_at < now() ORDER BY id LIMIT $1)
                """);
            command.Parameters.Add(new() { Value = Batch });
            removed = await command.ExecuteNonQueryAsync(cancellationToken);
            total += removed;
        } while (removed == Batch);
        if (total > 0) logger.LogInformation("Removed {Count} signing secrets whose overlap has ended", total);
    }
}
