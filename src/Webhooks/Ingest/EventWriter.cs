using System.Diagnostics;
using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Webhooks.Data;
using Webhooks.Delivery;
using Webhooks.Observability;

namespace Webhooks.Ingest;

/// <summary>
/// A validated event on its way to the database; <paramref name="TraceParent"/> is the W3C trace context of the request that posted it.
/// <paramref name="ApiKeyId"/> scopes the idempotency key.
/// </summary>
public sealed record NewEvent(Guid Id, string Type, Guid? PartnerId, string Payload, Guid? ApiKeyId, string? IdempotencyKey, byte[]? RequestHash, string? TraceParent)
{
    /// <summary>The context attributes of an event that came in as a CloudEvent (a JSON object of strings); null for the native shape.</summary>
    public string? CloudEvent { get; init; }
}

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
/// fanned-out deliveries, in one transaction of multi-row inserts. A request is answered only after its commit.
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
        while (await _queue.Reader.WaitToReadAsync(CancellationToken.None))
        {
            await GatherAsync();
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

    /// <summary>
    /// Waits for company while it keeps coming, at most CommitDelay: one commit for many requests costs the database far
    /// less than one each. Each yield lets the requests the thread pool already runs reach the queue. A timer is not used
    /// because on a busy machine a 1 ms Task.Delay sleeps about 3 ms (measured), and every commit would wait that long.
    /// </summary>
    private async Task GatherAsync()
    {
        var started = Stopwatch.GetTimestamp();
        while (Stopwatch.GetElapsedTime(started) < options.Value.CommitDelay && _queue.Reader.Count < options.Value.MaxEventsPerCommit)
        {
            var queued = _queue.Reader.Count;
            await Task.Yield();
            if (_queue.Reader.Count == queued) return;
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

    /// <summary>
    /// Claims the idempotency keys, inserts the events whose keys were claimed (or that have none) and
    /// their deliveries, all in one transaction; returns what was written. The fan-out is worked out
    /// here rather than in SQL: the delivery rows then arrive with their ids, as plain inserts.
    /// </summary>
    private async Task<Dictionary<Guid, WriteOutcome>> InsertAsync(List<Pending> leaders)
    {
        await using var connection = await dataSource.OpenConnectionAsync();
        await using var transaction = await connection.BeginTransactionAsync();
        var events = leaders.Select(p => p.Event).ToList();
        var (claimed, subscriptions, now) = await LookUpAsync(connection, transaction, events);

        var accepted = events.Where(e => e.IdempotencyKey is null || claimed.Contains(e.Id)).ToList();
        var written = new Dictionary<Guid, WriteOutcome>(accepted.Count);
        if (accepted.Count > 0)
        {
            var deliveries = new FanOut(now);
            foreach (var e in accepted)
            {
                var count = 0;
                foreach (var s in subscriptions[e.Type])
                {
                    // An event addressed to a partner goes to that partner's subscriptions only.
                    if (e.PartnerId is { } partner && partner != s.PartnerId) continue;
                    deliveries.Add(e.Id, s);
                    count++;
                }
                written[e.Id] = new Written(e.Id, e.Type, now, count);
            }
            await using var insert = new NpgsqlBatch(connection, transaction);
            insert.BatchCommands.Add(InsertEvents(accepted));
            if (deliveries.Count > 0) insert.BatchCommands.Add(deliveries.Insert());
            // Wakes the delivery workers of every instance once this commits.
            if (deliveries.AnyPending) insert.BatchCommands.Add(new NpgsqlBatchCommand("SELECT pg_notify('deliveries', '')"));
            // The commit rides with the inserts: one round trip less per commit. A failed statement skips it,
            // and disposing the transaction rolls back.
            insert.BatchCommands.Add(new NpgsqlBatchCommand("COMMIT"));
            await insert.ExecuteNonQueryAsync();
        }
        else await transaction.CommitAsync();
        metrics.EventsAccepted.Add(written.Count);
        return written;
    }

    /// <summary>One round trip: claims the events' idempotency keys, finds the subscriptions matching each type, and reads the transaction's time.</summary>
    private async Task<(HashSet<Guid> Claimed, Dictionary<string, List<MatchingSubscription>> Subscriptions, DateTimeOffset Now)> LookUpAsync(
        NpgsqlConnection connection, NpgsqlTransaction transaction, List<NewEvent> events)
    {
        await using var lookup = new NpgsqlBatch(connection, transaction);
        var claiming = events.Where(e => e.IdempotencyKey is not null).ToList();
        if (claiming.Count > 0) lookup.BatchCommands.Add(ClaimKeys(claiming));
        lookup.BatchCommands.Add(new NpgsqlBatchCommand(MatchSql)
        {
            Parameters = { new() { Value = events.Select(e => e.Type).Distinct().ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text } },
        });

        var claimed = new HashSet<Guid>();
        var subscriptions = new Dictionary<string, List<MatchingSubscription>>();
        DateTimeOffset now = default;
        await using var reader = await lookup.ExecuteReaderAsync();
        if (claiming.Count > 0)
        {
            while (await reader.ReadAsync()) claimed.Add(reader.GetGuid(0));
            await reader.NextResultAsync();
        }
        while (await reader.ReadAsync())
        {
            now = reader.GetFieldValue<DateTimeOffset>(0);
            var type = reader.GetString(1);
            if (!subscriptions.TryGetValue(type, out var matches)) subscriptions[type] = matches = [];
            if (!reader.IsDBNull(2)) matches.Add(new(reader.GetGuid(2), reader.GetGuid(3), reader.GetBoolean(4)));
        }
        return (claimed, subscriptions, now);
    }

    // An expired key is claimed again; a live one is left alone (and not returned), and its event is not inserted.
    private NpgsqlBatchCommand ClaimKeys(List<NewEvent> events) => new("""
        INSERT INTO idempotency_keys (api_key_id, key, request_hash, event_id, expires_at)
        SELECT api_key_id, key, request_hash, event_id, now() + $5 FROM unnest($1::uuid[], $2::text[], $3::bytea[], $4::uuid[]) AS t(api_key_id, key, request_hash, event_id)
        ON CONFLICT (api_key_id, key) DO UPDATE
            SET request_hash = excluded.request_hash, event_id = excluded.event_id, created_at = now(), expires_at = excluded.expires_at
            WHERE idempotency_keys.expires_at < now()
        RETURNING event_id
        """)
    {
        Parameters =
        {
            new() { Value = events.Select(e => e.ApiKeyId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
            new() { Value = events.Select(e => e.IdempotencyKey).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
            new() { Value = events.Select(e => e.RequestHash).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Bytea },
            new() { Value = events.Select(e => e.Id).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
            new() { Value = options.Value.IdempotencyWindow, NpgsqlDbType = NpgsqlDbType.Interval },
        },
    };

    // The subscriptions whose filters match each type, with the transaction's time; a type that matches none still gives a row.
    // A subscription takes deliveries when it is enabled and, if it must prove its endpoint's consent, has.
    private const string MatchSql = """
        SELECT now(), t.type, s.id, s.partner_id, s.enabled AND (NOT s.verify_ownership OR s.verified_at IS NOT NULL)
        FROM unnest($1::text[]) AS t(type)
        LEFT JOIN subscriptions s ON s.deleted_at IS NULL AND s.event_types && event_type_filters(t.type)
        """;

    private static NpgsqlBatchCommand InsertEvents(List<NewEvent> events)
    {
        var command = new NpgsqlBatchCommand("""
            INSERT INTO events (id, type, partner_id, payload, created_at, trace_parent)
            SELECT id, type, partner_id, payload::json, now(), trace_parent
            FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[]) AS t(id, type, partner_id, payload, trace_parent)
            """)
        {
            Parameters =
            {
                new() { Value = events.Select(e => e.Id).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                new() { Value = events.Select(e => e.Type).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new() { Value = events.Select(e => e.PartnerId).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                new() { Value = events.Select(e => e.Payload).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
                new() { Value = events.Select(e => e.TraceParent).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
            },
        };
        // Commits without CloudEvents (the native shape) send no column of nulls for them.
        if (events.Exists(e => e.CloudEvent is not null))
        {
            command.CommandText = """
                INSERT INTO events (id, type, partner_id, payload, created_at, trace_parent, cloud_event)
                SELECT id, type, partner_id, payload::json, now(), trace_parent, cloud_event::json
                FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::text[], $5::text[], $6::text[]) AS t(id, type, partner_id, payload, trace_parent, cloud_event)
                """;
            command.Parameters.Add(new() { Value = events.Select(e => e.CloudEvent).ToArray(), NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text });
        }
        return command;
    }

    private sealed record MatchingSubscription(Guid Id, Guid PartnerId, bool Enabled);

    /// <summary>
    /// The delivery rows of one commit, one per event and matching subscription: pending, or paused for a disabled
    /// subscription. Their ids carry the transaction's time, the rows' created_at, whatever the app's clock says.
    /// </summary>
    private sealed class FanOut(DateTimeOffset now)
    {
        private readonly List<Guid> _ids = [], _events = [], _subscriptions = [];
        private readonly List<string> _statuses = [];

        public int Count => _ids.Count;
        public bool AnyPending { get; private set; }

        public void Add(Guid eventId, MatchingSubscription subscription)
        {
            _ids.Add(TimeOrderedIds.New(now));
            _events.Add(eventId);
            _subscriptions.Add(subscription.Id);
            _statuses.Add(subscription.Enabled ? DeliveryStatus.Pending : DeliveryStatus.Paused);
            AnyPending |= subscription.Enabled;
        }

        public NpgsqlBatchCommand Insert() => new("""
            INSERT INTO deliveries (id, event_id, subscription_id, status, next_attempt_at, created_at, updated_at)
            SELECT id, event_id, subscription_id, status, now(), now(), now()
            FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[]) AS t(id, event_id, subscription_id, status)
            """)
        {
            Parameters =
            {
                new() { Value = _ids, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                new() { Value = _events, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                new() { Value = _subscriptions, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Uuid },
                new() { Value = _statuses, NpgsqlDbType = NpgsqlDbType.Array | NpgsqlDbType.Text },
            },
        };
    }

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
