using Hangfire;
using Hangfire.PostgreSql;
using Npgsql;

namespace Webhooks.Jobs;

/// <summary>
/// Hangfire's storage: schema <c>hangfire</c> of the app's own database, through the jobs' connection pool.
/// The timeouts are short on purpose: a killed instance's locks and fetched jobs come back in seconds, not the
/// 10 and 30 minutes Hangfire.PostgreSql waits by default.
/// </summary>
public static class HangfireStorage
{
    public const string Schema = "hangfire";

    /// <summary>Key of the advisory lock under which the schema is created or upgraded, so instances starting together do not race.</summary>
    private const string SchemaLock = "SELECT pg_advisory_lock(2000, 1)";
    private const string SchemaUnlock = "SELECT pg_advisory_unlock(2000, 1)";

    public static PostgreSqlStorageOptions Options() => new()
    {
        SchemaName = Schema,
        PrepareSchemaIfNecessary = true,
        // New jobs wake a worker at once through LISTEN/NOTIFY; polling is only the fallback, so an idle instance stays quiet.
        EnableLongPolling = true,
        QueuePollInterval = TimeSpan.FromSeconds(15),
        // A fetched job stays invisible while its worker's heartbeat renews it; a killed worker's job is fetched again after this.
        UseSlidingInvisibilityTimeout = true,
        InvisibilityTimeout = TimeSpan.FromSeconds(15),
        // Hangfire's own lock rows (recurring scheduler, state changes) are held for milliseconds; a dead holder's row is taken over after this.
        DistributedLockTimeout = TimeSpan.FromSeconds(15),
        JobExpirationCheckInterval = TimeSpan.FromMinutes(30),
    };

    public static PostgreSqlStorage Create(NpgsqlDataSource jobs)
    {
        using var connection = jobs.OpenConnection();
        using (var take = new NpgsqlCommand(SchemaLock, connection)) take.ExecuteNonQuery();
        try
        {
            return new PostgreSqlStorage(new Connections(jobs), Options());
        }
        finally
        {
            using var release = new NpgsqlCommand(SchemaUnlock, connection);
            release.ExecuteNonQuery();
        }
    }

    private sealed class Connections(NpgsqlDataSource jobs) : IConnectionFactory
    {
        public NpgsqlConnection GetOrCreateConnection() => jobs.CreateConnection();
    }
}
