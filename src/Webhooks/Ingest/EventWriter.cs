using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Webhooks.Observability;

namespace Webhooks.Ingest;

/// <summary>A validated event on its way to the database.</summary>
/// <summary>A validated event on its way to the database; <paramref name="TraceParent"/> is the W3C trace context of the request that posted it.</summary>
public sealed record NewEvent(Guid Id, string Type, Guid? PartnerId, string Payload, Guid? ApiKeyId, string? IdempotencyKey, byte[]? RequestHash, string? TraceParent);

public abstract record WriteOutcome;
/// <summary>Committed; <paramref name="Deliveries"/> rows were fanned out with it.</summary>
public sealed record Written(Guid Id, string Type, DateTimeOffset CreatedAt, int Deliveries) : WriteOutcome;
/// <summary>The idempotency key was used before with the same body: this is the original event.</summary>
public sealed record Repeated(Guid Id, string Type, DateTimeOffset CreatedAt, int Deliveries) : WriteOutcome;
/// <summary>The idempotency key was used before with another body.</summary>
public sealed record KeyConflict : WriteOutcome;

/// <summary>
/// Group commit: requests hand their events to a channel and wait; each writer loop takes everything
/// that arrived while the previous commit was in flight and stores it, with its idempotency keys and
/// fanned-out deliveries, in one statement. A request is answered only after its commit.
/// </summary>
public sealed class EventWriter(NpgsqlDataSource dataSource, IOptions<IngestOptions> options, WebhooksMetrics metrics, ILogger<EventWriter> logger)
    : BackgroundService
{
    private readonly Channel<Pending[]> _queue = Channel.CreateBounded<Pending[]>(new BoundedChannelOptions(10_000)
    {
        SingleReader = false,
        FullMode = BoundedChannelFullMode.Wait,
    });

    public async Task<WriteOutcome> WriteAsync(NewEvent newEvent, CancellationToken cancellationToken) =>
        (await WriteAsync([newEvent], cancellationToken))[0];

    /// <summary>Writes the events together, in one commit unless there are more than MaxEventsPerCommit.</summary>
    public async Task<WriteOutcome[]> WriteAsync(IReadOnlyList<NewEvent> events, CancellationToken cancellationToken)
    {
        var pending = events.Select(e => new Pending(e)).ToArray();
        await _queue.Writer.WriteAsync(pending, cancellationToken);
        return await Task.WhenAll(pending.Select(p => p.Outcome.Task));
    }

    protected override Task ExecuteAsync(CancellationToken stoppingToken) =>
        Task.WhenAll(Enumerable.Range(0, options.Value.Writers).Select(_ => WriteLoop(stoppingToken)));

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        // Requests already queued are still written: stop taking new ones, then let the loops drain.
        _queue.Writer.TryComplete();
        await base.StopAsync(cancellationToken);
    }

    private async Task WriteLoop(CancellationToken stoppingToken)
    {
        var batch = new List<Pending>();
        var delay = options.Value.CommitDelay;
        while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            // Wait a moment for company: one commit for many requests costs the database far less than one each.
            if (delay > TimeSpan.Zero && _queue.Reader.Count < options.Value.MaxEventsPerCommit) await Task.Delay(delay, CancellationToken.None);
            batch.Clear();
            while (batch.Count < options.Value.MaxEventsPerCommit && _queue.Reader.TryRead(out var request)) batch.AddRange(request);
            if (batch.Count == 0) continue;
            try
            {
                await CommitAsync(batch);
            }
            catch (Exception e)
            {
                logger.LogWarning("Could not commit {Count} events: {Message}", batch.Count, e.Message);
                foreach (var pending in batch) pending.Outcome.TrySetException(e);
            }
        }
    }

    private async Task CommitAsync(List<Pending> batch)
    {
        // One request per idempotency key goes to the database; repeats within the batch follow its result.
        var leaders = new List<Pending>(batch.Count);
        var followers = new List<(Pending Follower, Pending Leader)>();
        var byKey = new Dictionary<(Guid?, string), Pending>();
        foreach (var pending in batch)
        {
            var e = pending.Event;
            if (e.IdempotencyKey is null) leaders.Add(pending);
            else if (byKey.TryGetValue((e.ApiKeyId, e.IdempotencyKey), out var leader)) followers.Add((pending, leader));
            else { byKey[(e.ApiKeyId, e.IdempotencyKey)] = pending; leaders.Add(pending); }
        }

        // Keys in one order across commits, so two commits that share keys wait on each other instead of deadlocking.
        leaders.Sort((a, b) => string.CompareOrdinal(a.Event.IdempotencyKey, b.Event.IdempotencyKey));
        var written = await InsertAsync(leaders);
        metrics.IngestBatchSize.Record(leaders.Count);
        var repeats = leaders.Where(p => !written.ContainsKey(p.Event.Id)).ToList();
        var originals = repeats.Count == 0 ? [] : await FindOriginalsAsync(repeats);

        foreach (var pending in leaders)
        {
            if (written.TryGetValue(pending.Event.Id, out var outcome)) pending.Outcome.TrySetResult(outcome);
            else pending.Outcome.TrySetResult(Compare(pending, originals.GetValueOrDefault(pending.Event.IdempotencyKey!)));
        }
        foreach (var (follower, leader) in followers)
        {
            var original = await leader.Outcome.Task;
            follower.Outcome.TrySetResult(original switch
            {
                Written w when follower.Event.RequestHash!.AsSpan().SequenceEqual(leader.Event.RequestHash) => new Repeated(w.Id, w.Type, w.CreatedAt, w.Deliveries),
                Repeated r when follower.Event.RequestHash!.AsSpan().SequenceEqual(leader.Event.RequestHash) => r,
                _ => new KeyConflict(),
            });
        }
    }

    private static WriteOutcome Compare(Pending pending, (byte[] Hash, Repeated Original)? stored) =>
        stored is { } s && s.Hash.AsSpan().SequenceEqual(pending.Event.RequestHash) ? s.Original : new KeyConflict();

    /// <summary>Inserts events, claims idempotency keys and fans out deliveries in one statement; returns what was written.</summary>
    private async Task<Dictionary<Guid, WriteOutcome>> InsertAsync(List<Pending> leaders)
    {
        var n = leaders.Count;
        var ids = new Guid[n]; var types = new string[n]; var partners = new Guid?[n]; var payloads = new string[n];
        var apiKeys = new Guid?[n]; var keys = new string?[n]; var hashes = new byte[]?[n]; var traces = new string?[n];
        for (var i = 0; i < n; i++)
        {
            var e = leaders[i].Event;
            (ids[i], types[i], partners[i], payloads[i], apiKeys[i], keys[i], hashes[i], traces[i]) =
                (e.Id, e.Type, e.PartnerId, e.Payload, e.ApiKeyId, e.IdempotencyKey, e.RequestHash, e.TraceParent);
        }

        await using var batch = dataSource.CreateBatch();
        var insert = new NpgsqlBatchCommand(InsertSql);
        insert.Parameters.Add(new() { Value = ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        insert.Parameters.Add(new() { Value = types, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.Add(new() { Value = partners, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        insert.Parameters.Add(new() { Value = payloads, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.Add(new() { Value = apiKeys, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid });
        insert.Parameters.Add(new() { Value = keys, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        insert.Parameters.Add(new() { Value = hashes, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea });
        insert.Parameters.Add(new() { Value = options.Value.IdempotencyWindow, NpgsqlDbType = NpgsqlDbType.Interval });
        insert.Parameters.Add(new() { Value = traces, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        batch.BatchCommands.Add(insert);
        // Wakes the delivery workers of every instance once this commits.
        batch.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_notify('deliveries', '')"));

        var written = new Dictionary<Guid, WriteOutcome>(n);
        await using var reader = await batch.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            var id = reader.GetGuid(0);
            written[id] = new Written(id, reader.GetString(1), reader.GetFieldValue<DateTimeOffset>(2), (int)reader.GetInt64(3));
        }
        metrics.EventsAccepted.Add(written.Count);
        return written;
    }

    // A batch is one implicit transaction: the events, their idempotency keys and their deliveries commit together.
    private const string InsertSql = """
        WITH input AS (
            SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::uuid[], $6::text[], $7::bytea[], $9::text[])
                AS t(id, type, partner_id, payload, api_key_id, idempotency_key, request_hash, trace_parent)
        ), claimed AS (
            INSERT INTO idempotency_keys (api_key_id, key, request_hash, event_id, expires_at)
            SELECT api_key_id, idempotency_key, request_hash, id, now() + $8 FROM input WHERE idempotency_key IS NOT NULL
            ON CONFLICT (api_key_id, key) DO UPDATE
                SET request_hash = excluded.request_hash, event_id = excluded.event_id, created_at = now(), expires_at = excluded.expires_at
                WHERE idempotency_keys.expires_at < now()
            RETURNING event_id
        ), accepted AS (
            INSERT INTO events (id, type, partner_id, payload, created_at, trace_parent)
            SELECT id, type, partner_id, payload::json, now(), trace_parent FROM input
            WHERE idempotency_key IS NULL OR id IN (SELECT event_id FROM claimed)
            RETURNING id, type, partner_id, created_at
        ), matching AS MATERIALIZED (
            -- Subscriptions per distinct type, worked out once per commit rather than once per event.
            SELECT t.type, s.id, s.partner_id, s.enabled
            FROM (SELECT type, event_type_filters(type) AS filters FROM (SELECT DISTINCT type FROM input) AS d OFFSET 0) AS t
            JOIN subscriptions s ON s.deleted_at IS NULL AND s.event_types && t.filters
        ), fanned AS (
            INSERT INTO deliveries (id, event_id, subscription_id, status, next_attempt_at, created_at, updated_at)
            SELECT uuid_v7(), a.id, m.id, CASE WHEN m.enabled THEN 'pending' ELSE 'paused' END, now(), now(), now()
            FROM accepted a JOIN matching m ON m.type = a.type AND (a.partner_id IS NULL OR m.partner_id = a.partner_id)
            RETURNING event_id
        )
        SELECT a.id, a.type, a.created_at, coalesce(f.deliveries, 0)
        FROM accepted a LEFT JOIN (SELECT event_id, count(*) AS deliveries FROM fanned GROUP BY event_id) AS f ON f.event_id = a.id
        """;

    private async Task<Dictionary<string, (byte[], Repeated)>> FindOriginalsAsync(List<Pending> repeats)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT k.key, k.request_hash, e.id, e.type, e.created_at, (SELECT count(*) FROM deliveries d WHERE d.event_id = e.id)
            FROM idempotency_keys k JOIN events e ON e.id = k.event_id
            WHERE k.api_key_id = $1 AND k.key = ANY($2)
            """);
        var found = new Dictionary<string, (byte[], Repeated)>();
        foreach (var group in repeats.GroupBy(p => p.Event.ApiKeyId))
        {
            command.Parameters.Clear();
            command.Parameters.Add(new() { Value = (object?)group.Key ?? DBNull.Value, NpgsqlDbType = NpgsqlDbType.Uuid });
            command.Parameters.Add(new() { Value = group.Select(p => p.Event.IdempotencyKey!).ToArray() });
            await using var reader = await command.ExecuteReaderAsync();
            while (await reader.ReadAsync())
                found[reader.GetString(0)] = (reader.GetFieldValue<byte[]>(1),
                    new Repeated(reader.GetGuid(2), reader.GetString(3), reader.GetFieldValue<DateTimeOffset>(4), (int)reader.GetInt64(5)));
        }
        return found;
    }

    private sealed class Pending(NewEvent newEvent)
    {
        public NewEvent Event { get; } = newEvent;
        public TaskCompletionSource<WriteOutcome> Outcome { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
