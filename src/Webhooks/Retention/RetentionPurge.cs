using System.Diagnostics.Metrics;
using Microsoft.Extensions.Options;
using Npgsql;
using Webhooks.Data;
using Webhooks.Observability;

namespace Webhooks.Retention;

/// <summary>
/// Removes what has outlived its retention in small batches, each its own short transaction, so nothing
/// holds a lock for long and autovacuum can reuse the space as it goes. Deliveries go with their event in
/// the same statement (through deliveries_event), attempts with their delivery (ON DELETE CASCADE, through
/// the attempts (delivery_id, number) key).
/// The recurring jobs Retention and IdempotencyKeys run it, one instance at a time (<see cref="Jobs.RecurringWorkRunner"/>).
/// </summary>
public sealed class RetentionPurge(
    NpgsqlDataSource dataSource, IOptions<RetentionOptions> options, TimeProvider time, IMeterFactory meters, ILogger<RetentionPurge> logger)
{
    private readonly Counter<long> _removed = meters.Create(WebhooksMetrics.Name)
        .CreateCounter<long>("webhooks.retention.removed", "{row}", "Rows removed by retention, by table.");

    // Walks events in id order from the last batch's end, so kept events (young dead deliveries) are
    // looked at once per run, not once per batch. Ids are UUIDv7: id order is creation order, and ids
    // below the cutoff id were created before the cutoff; created_at is checked too, so an id that is not
    // time-ordered can only make an old event stay, never a young one go.
    private const string PurgeEvents = """
        WITH batch AS (
            SELECT id, created_at FROM events
            WHERE id > $1 AND id < $2
            ORDER BY id
            LIMIT $3
        ), doomed AS (
            SELECT b.id FROM batch b
            WHERE b.created_at < $4
              AND NOT EXISTS (
                  SELECT 1 FROM deliveries d
                  WHERE d.event_id = b.id
                    AND (d.status = 'pending' OR (d.status IN ('dead', 'paused') AND d.updated_at >= $5)))
        ), removed AS (
            DELETE FROM events e USING doomed WHERE e.id = doomed.id RETURNING e.id
        ), removed_deliveries AS (
            DELETE FROM deliveries d USING removed WHERE d.event_id = removed.id
        )
        SELECT (SELECT id FROM batch ORDER BY id DESC LIMIT 1), (SELECT count(*) FROM removed)
        """;

    private const string PurgeIdempotencyKeys = """
        WITH doomed AS (
            SELECT api_key_id, key FROM idempotency_keys WHERE expires_at < $1 ORDER BY expires_at LIMIT $2
        )
        DELETE FROM idempotency_keys i USING doomed WHERE i.api_key_id = doomed.api_key_id AND i.key = doomed.key
        """;

    /// <summary>Removes events older than Days (with their deliveries and attempts), keeping those with a young dead or paused delivery.</summary>
    public async Task<long> PurgeEventsAsync(CancellationToken cancellationToken)
    {
        var o = options.Value;
        var now = time.GetUtcNow();
        var total = await PurgeEventsAsync(now.AddDays(-o.Days), now.AddDays(-o.DeadDays), o, cancellationToken);
        if (total > 0) logger.LogInformation("Retention removed {Events} events older than {Days} days, with their deliveries and attempts", total, o.Days);
        return total;
    }

    /// <summary>Removes idempotency keys whose window has passed.</summary>
    public async Task<long> PurgeIdempotencyKeysAsync(CancellationToken cancellationToken)
    {
        var total = await PurgeIdempotencyKeysAsync(time.GetUtcNow(), options.Value, cancellationToken);
        if (total > 0) logger.LogInformation("Retention removed {Keys} expired idempotency keys", total);
        return total;
    }

    private async Task<long> PurgeEventsAsync(DateTimeOffset cutoff, DateTimeOffset deadCutoff, RetentionOptions o, CancellationToken cancellationToken)
    {
        long total = 0;
        var after = Guid.Empty;
        var cutoffId = TimeOrderedIds.FirstAt(cutoff);
        while (true)
        {
            await using var command = dataSource.CreateCommand(PurgeEvents);
            command.Parameters.Add(new() { Value = after });
            command.Parameters.Add(new() { Value = cutoffId });
            command.Parameters.Add(new() { Value = o.BatchSize });
            command.Parameters.Add(new() { Value = cutoff });
            command.Parameters.Add(new() { Value = deadCutoff });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            if (reader.IsDBNull(0)) return total;
            after = reader.GetGuid(0);
            var removed = reader.GetInt64(1);
            total += removed;
            _removed.Add(removed, new KeyValuePair<string, object?>("table", "events"));
            await PauseAsync(o, cancellationToken);
        }
    }

    private async Task<long> PurgeIdempotencyKeysAsync(DateTimeOffset now, RetentionOptions o, CancellationToken cancellationToken)
    {
        long total = 0;
        while (true)
        {
            await using var command = dataSource.CreateCommand(PurgeIdempotencyKeys);
            command.Parameters.Add(new() { Value = now });
            command.Parameters.Add(new() { Value = o.BatchSize });
            var removed = await command.ExecuteNonQueryAsync(cancellationToken);
            total += removed;
            _removed.Add(removed, new KeyValuePair<string, object?>("table", "idempotency_keys"));
            if (removed < o.BatchSize) return total;
            await PauseAsync(o, cancellationToken);
        }
    }

    private async Task PauseAsync(RetentionOptions o, CancellationToken cancellationToken)
    {
        if (o.BatchPause > TimeSpan.Zero) await Task.Delay(o.BatchPause, time, cancellationToken);
    }
}
