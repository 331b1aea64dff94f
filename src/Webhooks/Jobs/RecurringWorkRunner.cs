using Hangfire;
using Npgsql;

namespace Webhooks.Jobs;

/// <summary>
/// What Hangfire calls for every recurring job. A run holds a PostgreSQL advisory lock named after the job for its
/// whole length, so two instances never run the same job at once (a run that outlasts its interval, or one
/// triggered by hand, finds the lock taken and is skipped); the lock goes with the connection, so a killed
/// instance frees it at once. A run that throws is retried twice and then shows as failed in the dashboard.
/// </summary>
public sealed class RecurringWorkRunner(IEnumerable<IRecurringWork> works, NpgsqlDataSource dataSource, ILogger<RecurringWorkRunner> logger)
{
    [JobDisplayName("{0}")]
    [AutomaticRetry(Attempts = 2, DelaysInSeconds = [5, 15], OnAttemptsExceeded = AttemptsExceededAction.Fail)]
    public async Task RunAsync(string name, CancellationToken cancellationToken)
    {
        var work = works.FirstOrDefault(w => w.Name == name)
            ?? throw new InvalidOperationException($"No recurring job is named '{name}'.");
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        if (!await LockAsync(connection, "pg_try_advisory_lock", name, cancellationToken))
        {
            logger.LogInformation("Recurring job {Job} is already running on another instance; this run is skipped", name);
            return;
        }
        try
        {
            await work.RunAsync(cancellationToken);
        }
        finally
        {
            await LockAsync(connection, "pg_advisory_unlock", name, CancellationToken.None);
        }
    }

    /// <summary>The advisory lock key of a recurring job (in its own key space: the two-integer form).</summary>
    public static string LockSql(string function) => $"SELECT {function}(2001, hashtext($1))";

    private static async Task<bool> LockAsync(NpgsqlConnection connection, string function, string name, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(LockSql(function), connection) { Parameters = { new() { Value = name } } };
        return (bool)(await command.ExecuteScalarAsync(cancellationToken))!;
    }
}
