using Npgsql;
using Webhooks.Jobs;

namespace Webhooks.Stats;

/// <summary>
/// Recurring job StatsRollup: counts every complete hour's attempts (by subscription: succeeded, failed, total
/// duration) and events into hourly buckets, then moves the watermark readers scan from. It recounts from an hour
/// before the watermark, so attempts recorded late for an hour are counted too.
/// </summary>
internal sealed class StatsRollupJob(NpgsqlDataSource dataSource) : IRecurringWork
{
    public string Name => "StatsRollup";
    public string DefaultCron => "*/5 * * * *";

    private const string Rollup = """
        WITH bounds AS (
            SELECT greatest(coalesce((SELECT rolled_until FROM stats_rollup) - interval '1 hour', '-infinity'),
                            date_trunc('hour', now()) - interval '24 hours') AS since,
                   date_trunc('hour', now()) AS until
        ), attempt_rows AS (
            INSERT INTO attempt_stats_hourly (hour, subscription_id, succeeded, failed, duration_ms_sum)
            SELECT date_trunc('hour', a.at), d.subscription_id,
                   count(*) FILTER (WHERE a.error_kind IS NULL), count(*) FILTER (WHERE a.error_kind IS NOT NULL), sum(a.duration_ms)
            FROM attempts a JOIN deliveries d ON d.id = a.delivery_id, bounds b
            WHERE a.at >= b.since AND a.at < b.until
            GROUP BY 1, 2
            ON CONFLICT (hour, subscription_id) DO UPDATE
            SET succeeded = excluded.succeeded, failed = excluded.failed, duration_ms_sum = excluded.duration_ms_sum
        ), event_rows AS (
            INSERT INTO event_stats_hourly (hour, events)
            SELECT date_trunc('hour', e.created_at), count(*)
            FROM events e, bounds b
            WHERE e.created_at >= b.since AND e.created_at < b.until
            GROUP BY 1
            ON CONFLICT (hour) DO UPDATE SET events = excluded.events
        )
        INSERT INTO stats_rollup (id, rolled_until) SELECT 1, until FROM bounds
        ON CONFLICT (id) DO UPDATE SET rolled_until = excluded.rolled_until
        """;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand(Rollup);
        await command.ExecuteNonQueryAsync(cancellationToken);
        // Buckets older than the dashboard's day are not read again.
        await using var prune = dataSource.CreateCommand("""
            DELETE FROM attempt_stats_hourly WHERE hour < now() - interval '8 days';
            DELETE FROM event_stats_hourly WHERE hour < now() - interval '8 days';
            """);
        await prune.ExecuteNonQueryAsync(cancellationToken);
    }
}
