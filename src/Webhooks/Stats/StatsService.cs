using Npgsql;

namespace Webhooks.Stats;

/// <summary>
/// Reads the dashboard's numbers straight from the tables; every figure covers the last 24 hours unless it says otherwise.
/// An attempt succeeded when it has no error kind: an HTTP 2xx, or a broker's confirm (which has no status code).
/// </summary>
public sealed class StatsService(NpgsqlDataSource dataSource, TimeProvider time)
{
    private const int TopEndpoints = 5;

    public async Task<ServiceStats> ReadAsync(CancellationToken cancellationToken = default)
    {
        var now = time.GetUtcNow();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        var (eventsLastHour, succeeded, failed) = await Totals(connection, now, cancellationToken);
        var (pending, paused, dead) = await Queue(connection, cancellationToken);
        return new ServiceStats(
            now,
            Math.Round(eventsLastHour / 60.0, 2),
            succeeded + failed == 0 ? null : Math.Round((double)succeeded / (succeeded + failed), 4),
            pending, paused, dead,
            await Endpoints(connection, now, slowest: false, cancellationToken),
            await Endpoints(connection, now, slowest: true, cancellationToken),
            await Hours(connection, now, cancellationToken));
    }

    private static async Task<(long, long, long)> Totals(NpgsqlConnection connection, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            SELECT (SELECT count(*) FROM events WHERE created_at >= $1 - interval '1 hour'),
                   count(*) FILTER (WHERE error_kind IS NULL),
                   count(*) FILTER (WHERE error_kind IS NOT NULL)
            FROM attempts WHERE at >= $1 - interval '24 hours'
            """, connection);
        command.Parameters.Add(new() { Value = now });
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
    private static async Task<List<EndpointStat>> Endpoints(NpgsqlConnection connection, DateTimeOffset now, bool slowest, CancellationToken cancellationToken)
    {
        var where = slowest ? "a.attempts > 0" : "s.failure_streak > 0";
        var order = slowest ? "a.mean_ms DESC" : "s.failure_streak DESC, s.last_failure_at DESC";
        await using var command = new NpgsqlCommand($"""
            SELECT s.id, s.partner_id, p.name, s.url, s.enabled, s.failure_streak, s.last_success_at, s.last_failure_at,
                   a.mean_ms, coalesce(a.attempts, 0)
            FROM subscriptions s
            JOIN partners p ON p.id = s.partner_id
            LEFT JOIN LATERAL (
                SELECT avg(t.duration_ms)::float8 AS mean_ms, count(*) AS attempts
                FROM deliveries d JOIN attempts t ON t.delivery_id = d.id
                WHERE d.subscription_id = s.id AND t.at >= $1 - interval '24 hours'
            ) a ON true
            WHERE s.deleted_at IS NULL AND {where}
            ORDER BY {order}
            LIMIT {TopEndpoints}
            """, connection);
        command.Parameters.Add(new() { Value = now });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<EndpointStat>();
        while (await reader.ReadAsync(cancellationToken))
            rows.Add(new EndpointStat(reader.GetGuid(0), reader.GetGuid(1), reader.GetString(2), reader.GetString(3), reader.GetBoolean(4),
                reader.GetInt32(5), Time(reader, 6), Time(reader, 7), reader.IsDBNull(8) ? null : Math.Round(reader.GetDouble(8), 1), reader.GetInt64(9)));
        return rows;
    }

    private static async Task<List<HourStat>> Hours(NpgsqlConnection connection, DateTimeOffset now, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("""
            WITH hours AS (
                SELECT generate_series(date_trunc('hour', $1::timestamptz) - interval '23 hours', date_trunc('hour', $1::timestamptz), interval '1 hour') AS hour
            ), e AS (
                SELECT date_trunc('hour', created_at) AS hour, count(*) AS n FROM events
                WHERE created_at >= date_trunc('hour', $1::timestamptz) - interval '23 hours' GROUP BY 1
            ), a AS (
                SELECT date_trunc('hour', at) AS hour,
                       count(*) FILTER (WHERE error_kind IS NULL) AS ok,
                       count(*) FILTER (WHERE error_kind IS NOT NULL) AS failed
                FROM attempts WHERE at >= date_trunc('hour', $1::timestamptz) - interval '23 hours' GROUP BY 1
            )
            SELECT h.hour, coalesce(e.n, 0), coalesce(a.ok, 0), coalesce(a.failed, 0)
            FROM hours h LEFT JOIN e ON e.hour = h.hour LEFT JOIN a ON a.hour = h.hour
            ORDER BY h.hour
            """, connection);
        command.Parameters.Add(new() { Value = now });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        var rows = new List<HourStat>();
        while (await reader.ReadAsync(cancellationToken))
            rows.Add(new HourStat(reader.GetFieldValue<DateTimeOffset>(0), reader.GetInt64(1), reader.GetInt64(2), reader.GetInt64(3)));
        return rows;
    }

    private static DateTimeOffset? Time(NpgsqlDataReader reader, int i) => reader.IsDBNull(i) ? null : reader.GetFieldValue<DateTimeOffset>(i);
}
