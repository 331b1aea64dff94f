using Npgsql;

namespace Webhooks.Stats;

/// <summary>
/// Reads the dashboard's numbers: the day's figures cover the current hour and the 23 before it, from the hourly
/// buckets of the StatsRollup job up to its watermark and from the tables after it (so they stay quick at tens of
/// millions of attempts, and are exact even when the job is behind).
/// An attempt succeeded when it has no error kind: an HTTP 2xx, or a broker's confirm (which has no status code).
/// </summary>
public sealed class StatsService(NpgsqlDataSource dataSource, TimeProvider time)
{
    private const int TopEndpoints = 5;

    public async Task<ServiceStats> ReadAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var window = await WindowAsync(connection, now, cancellationToken);
        var (eventsLastHour, succeeded, failed) = await Totals(connection, window, cancellationToken);
        var (pending, paused, dead) = await Queue(connection, cancellationToken);
        return new ServiceStats(
            now,
            Math.Round(eventsLastHour / 60.0, 2),
            succeeded + failed == 0 ? null : Math.Round((double)succeeded / (succeeded + failed), 4),
            pending, paused, dead,
            await Endpoints(connection, window, slowest: false, cancellationToken),
            await Endpoints(connection, window, slowest: true, cancellationToken),
            await Hours(connection, window, cancellationToken));
    }

    private static async Task<(long, long, long)> Totals(NpgsqlConnection connection, Window window, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            WITH rolled AS (
                SELECT coalesce(sum(h.succeeded), 0) AS ok, coalesce(sum(h.failed), 0) AS failed
                FROM attempt_stats_hourly h WHERE h.hour >= $2 AND h.hour < $3
            ), live AS (
                SELECT count(*) FILTER (WHERE a.error_kind IS NULL) AS ok, count(*) FILTER (WHERE a.error_kind IS NOT NULL) AS failed
                FROM attempts a WHERE a.at >= $3
            )
            SELECT (SELECT count(*) FROM events WHERE created_at >= $1 - interval '1 hour'),
                   (rolled.ok + live.ok)::bigint, (rolled.failed + live.failed)::bigint
            FROM rolled, live
            """, connection);
        window.AddTo(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    private static async Task<(long, long, long)> Queue(NpgsqlConnection connection, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM deliveries WHERE status = 'pending'),
                   (SELECT count(*) FROM deliveries WHERE status = 'paused'),
                   (SELECT count(*) FROM deliveries WHERE status = 'dead')
            """, connection);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return (reader.GetInt64(0), reader.GetInt64(1), reader.GetInt64(2));
    }

    /// <summary>The endpoints failing longest in a row, or those slowest to answer.</summary>
    private static async Task<List<EndpointStat>> Endpoints(NpgsqlConnection connection, Window window, bool slowest, CancellationToken cancellationToken)
    {
        var where = slowest ? "a.attempts > 0" : "s.failure_streak > 0";
        var order = slowest ? "a.mean_ms DESC" : "s.failure_streak DESC, s.last_failure_at DESC";
        await using var command = new NpgsqlCommand($"""
            WITH per_subscription AS (
                SELECT h.subscription_id, h.duration_ms_sum AS ms, h.succeeded + h.failed AS n
                FROM attempt_stats_hourly h WHERE h.hour >= $1 AND h.hour < $2
                UNION ALL
                SELECT d.subscription_id, t.duration_ms, 1
                FROM attempts t JOIN deliveries d ON d.id = t.delivery_id WHERE t.at >= $2
            ), a AS (
                SELECT subscription_id, sum(ms)::float8 / nullif(sum(n), 0) AS mean_ms, sum(n)::bigint AS attempts
                FROM per_subscription GROUP BY subscription_id
            )
            SELECT s.id, s.partner_id, p.name, s.url, s.enabled, s.failure_streak, s.last_success_at, s.last_failure_at,
                   a.mean_ms, coalesce(a.attempts, 0)
            FROM subscriptions s
            JOIN partners p ON p.id = s.partner_id
            LEFT JOIN a ON a.subscription_id = s.id
            WHERE s.deleted_at IS NULL AND {where}
            ORDER BY {order}
            LIMIT {TopEndpoints}
            """, connection);
        command.Parameters.Add(new() { Value = window.DayStart });
        command.Parameters.Add(new() { Value = window.LiveFrom });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<EndpointStat>();
        while (await reader.ReadAsync(cancellationToken))
            rows.Add(new EndpointStat(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetBoolean(4),
                reader.GetInt32(5), Time(reader, 6), Time(reader, 7), reader.IsDBNull(8) ? null : Math.Round(reader.GetDouble(8), 1), reader.GetInt64(9)));
        return rows;
    }

    private static async Task<List<HourStat>> Hours(NpgsqlConnection connection, Window window, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand($"""
            WITH hours AS (
                SELECT generate_series(date_trunc('hour', $1::timestamptz) - interval '23 hours', date_trunc('hour', $1::timestamptz), interval '1 hour') AS hour
            ), e AS (
                SELECT h.hour, h.events AS n FROM event_stats_hourly h WHERE h.hour >= $2 AND h.hour < $3
                UNION ALL
                SELECT date_trunc('hour', created_at), count(*) FROM events WHERE created_at >= $3 GROUP BY 1
            ), a AS (
                SELECT h.hour, h.succeeded AS ok, h.failed FROM attempt_stats_hourly h WHERE h.hour >= $2 AND h.hour < $3
                UNION ALL
                SELECT date_trunc('hour', at), count(*) FILTER (WHERE error_kind IS NULL), count(*) FILTER (WHERE error_kind IS NOT NULL)
                FROM attempts WHERE at >= $3 GROUP BY 1
            )
            SELECT h.hour, coalesce((SELECT sum(n) FROM e WHERE e.hour = h.hour), 0)::bigint,
                   coalesce((SELECT sum(ok) FROM a WHERE a.hour = h.hour), 0)::bigint,
                   coalesce((SELECT sum(failed) FROM a WHERE a.hour = h.hour), 0)::bigint
            FROM hours h
            ORDER BY h.hour
            """, connection);
        window.AddTo(command);
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<HourStat>();
        while (await reader.ReadAsync(cancellationToken))
            rows.Add(new HourStat(reader.GetFieldValue<DateTimeOffset>(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));
        return rows;
    }

    /// <summary>
    /// The day's first hour, and where the StatsRollup buckets end and the scan of the tables begins. Known before the
    /// queries are planned, so the scans after it use the time indexes.
    /// </summary>
    private sealed record Window(DateTimeOffset Now, DateTimeOffset DayStart, DateTimeOffset LiveFrom)
    {
        public void AddTo(NpgsqlCommand command)
        {
            command.Parameters.Add(new() { Value = Now });
            command.Parameters.Add(new() { Value = DayStart });
            command.Parameters.Add(new() { Value = LiveFrom });
        }
    }

    private static async Task<Window> WindowAsync(NpgsqlConnection connection, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT date_trunc('hour', $1::timestamptz) - interval '23 hours',
                   greatest((SELECT rolled_until FROM stats_rollup), date_trunc('hour', $1::timestamptz) - interval '23 hours')
            """, connection);
        command.Parameters.Add(new() { Value = now });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new Window(now, reader.GetFieldValue<DateTimeOffset>(0), reader.GetFieldValue<DateTimeOffset>(1));
    }

    private static DateTimeOffset? Time(NpgsqlDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetFieldValue<DateTimeOffset>(i);
}
