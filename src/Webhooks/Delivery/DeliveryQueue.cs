using Npgsql;
using NpgsqlTypes;

namespace Webhooks.Delivery;

/// <summary>
/// The delivery queue in PostgreSQL. A claim takes due rows that no lease holds in one statement and
/// leases them until lease_until, so a worker that dies gives its rows back by itself; every
/// write-back is fenced on the lease token the claim set, so a worker whose lease ran out cannot
/// overwrite the new holder's work. Claims and renewals change no indexed column (HOT updates).
/// </summary>
public sealed class DeliveryQueue(NpgsqlDataSource dataSource)
{
    public const string Channel = "deliveries";

    // The signing secrets are read once per subscription in the claim, not once per row.
    private const string ClaimSql = """
        WITH claimed AS (
            UPDATE deliveries d
            SET lease_until = now() + $1, lease_token = $2, locked_by = $3, updated_at = now()
            FROM events e, subscriptions s
            WHERE d.id IN (
                    SELECT id FROM deliveries
                    WHERE status = 'pending' AND next_attempt_at <= now() AND (lease_until IS NULL OR lease_until < now())
                    ORDER BY next_attempt_at
                    LIMIT $4
                    FOR UPDATE SKIP LOCKED)
              AND e.id = d.event_id AND s.id = d.subscription_id
            RETURNING d.id, d.event_id, d.subscription_id, d.attempt_count, d.attempt_base,
                e.type, e.payload::text AS payload, e.created_at,
                s.url, s.enabled AND (NOT s.verify_ownership OR s.verified_at IS NOT NULL) AS enabled, s.deleted_at IS NOT NULL AS deleted,
                s.headers::text AS headers,
                -- The rate the endpoint granted in the ownership handshake (per minute) caps the subscription's own.
                least(s.rate_limit_per_second * 60, s.allowed_rate_per_minute) AS rate_per_minute,
                e.trace_parent,
                -- Nothing more for standard-webhooks deliveries over HTTP: three NULLs.
                nullif(s.format, 'standard-webhooks') AS format,
                CASE WHEN s.format <> 'standard-webhooks' THEN e.cloud_event::text END AS cloud_event,
                s.verify_ownership AND s.verified_at IS NOT NULL AS sends_origin,
                s.destination::text AS destination
        )
        SELECT c.*,
            CASE WHEN row_number() OVER (PARTITION BY c.subscription_id ORDER BY c.id) = 1 THEN
                ARRAY(SELECT ss.protected_secret FROM subscription_secrets ss
                      WHERE ss.subscription_id = c.subscription_id AND (ss.expires_at IS NULL OR ss.expires_at > now())
                      ORDER BY ss.id DESC)
            END
        FROM claimed c
        ORDER BY c.subscription_id, c.id
        """;

    public async Task<List<ClaimedDelivery>> ClaimAsync(int count, TimeSpan lease, string worker, CancellationToken cancellationToken)
    {
        var token = Guid.CreateVersion7();
        await using var command = dataSource.CreateCommand(ClaimSql);
        command.Parameters.Add(new() { Value = lease, NpgsqlDbType = NpgsqlDbType.Interval });
        command.Parameters.Add(new() { Value = token });
        command.Parameters.Add(new() { Value = worker });
        command.Parameters.Add(new() { Value = count });
        var claimed = new List<ClaimedDelivery>(count);
        string[] secrets = [];
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        // Rows come grouped by subscription, in id order within it; the first row of each carries its secrets.
        while (await reader.ReadAsync(cancellationToken))
        {
            if (!reader.IsDBNull(18)) secrets = reader.GetFieldValue<string[]>(18);
            claimed.Add(new ClaimedDelivery(
                reader.GetGuid(0), reader.GetGuid(1), reader.GetGuid(2), token, reader.GetInt32(3), reader.GetInt32(4),
                reader.GetString(5), reader.GetString(6), reader.GetFieldValue<DateTimeOffset>(7),
                reader.GetString(8), reader.GetBoolean(9), reader.GetBoolean(10), reader.GetString(11),
                reader.IsDBNull(12) ? null : reader.GetInt32(12), secrets)
            {
                TraceParent = reader.IsDBNull(13) ? null : reader.GetString(13),
                Format = reader.IsDBNull(14) ? null : reader.GetString(14),
                CloudEventAttributes = reader.IsDBNull(15) ? null : reader.GetString(15),
                SendsOrigin = reader.GetBoolean(16),
                Destination = reader.IsDBNull(17) ? null : reader.GetString(17),
            });
        }
        return claimed;
    }

    /// <summary>
    /// Pushes the lease end of held rows forward; rows whose lease was lost are left alone, and so are rows locked right now
    /// (the completion writer is ending them): waiting for those, in whatever order the two statements meet them, deadlocked.
    /// </summary>
    public async Task RenewAsync(IReadOnlyCollection<ClaimedDelivery> held, TimeSpan lease, CancellationToken cancellationToken)
    {
        if (held.Count == 0) return;
        await using var command = dataSource.CreateCommand("""
            UPDATE deliveries d SET lease_until = now() + $3
            FROM (SELECT x.id FROM deliveries x JOIN unnest($1::uuid[], $2::uuid[]) AS t(id, token) ON x.id = t.id AND x.lease_token = t.token
                  WHERE x.status = 'pending' FOR UPDATE OF x SKIP LOCKED) AS free
            WHERE d.id = free.id
            """);
        command.Parameters.Add(new() { Value = held.Select(h => h.Id).ToArray() });
        command.Parameters.Add(new() { Value = held.Select(h => h.LeaseToken).ToArray() });
        command.Parameters.Add(new() { Value = lease, NpgsqlDbType = NpgsqlDbType.Interval });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>
    /// Reserves send slots for rate-limited subscriptions, shared by every instance. For each
    /// (subscription, count, rate a minute) answers how long from now the first reserved slot starts; a
    /// subscription whose slots are taken further ahead than <paramref name="horizon"/> gets none.
    /// </summary>
    public async Task<Dictionary<Guid, TimeSpan>> ReserveSlotsAsync(IReadOnlyList<(Guid Subscription, int Count, int PerMinute)> wanted, TimeSpan horizon, CancellationToken cancellationToken)
    {
        var ordered = wanted.OrderBy(w => w.Subscription).ToList();
        var spans = ordered.Select(w => TimeSpan.FromTicks(TimeSpan.TicksPerMinute * w.Count / w.PerMinute)).ToArray();
        await using var command = dataSource.CreateCommand("""
            INSERT INTO rate_limit_slots AS r (subscription_id, next_slot_at)
            SELECT t.id, now() + t.span FROM unnest($1::uuid[], $2::interval[]) AS t(id, span)
            ON CONFLICT (subscription_id) DO UPDATE SET next_slot_at = greatest(r.next_slot_at, now()) + (excluded.next_slot_at - now())
                WHERE r.next_slot_at <= now() + $3
            RETURNING subscription_id, next_slot_at - now()
            """);
        command.Parameters.Add(new() { Value = ordered.Select(w => w.Subscription).ToArray() });
        command.Parameters.Add(new() { Value = spans });
        command.Parameters.Add(new() { Value = horizon, NpgsqlDbType = NpgsqlDbType.Interval });
        var ends = new Dictionary<Guid, TimeSpan>();
        await using (var reader = await command.ExecuteReaderAsync(cancellationToken))
            while (await reader.ReadAsync(cancellationToken))
                ends[reader.GetGuid(0)] = reader.GetFieldValue<TimeSpan>(1);
        var starts = new Dictionary<Guid, TimeSpan>();
        for (var i = 0; i < ordered.Count; i++)
            if (ends.TryGetValue(ordered[i].Subscription, out var end))
                starts[ordered[i].Subscription] = end - spans[i];
        return starts;
    }

    /// <summary>
    /// Writes a batch of results in one round trip and one transaction: attempts with the delivery
    /// updates they belong to, released rows, and the health of the subscriptions involved. Answers
    /// the subscriptions that must now be disabled, with the reason.
    /// </summary>
    public async Task<List<(Guid Subscription, string Reason)>> CompleteAsync(IReadOnlyList<Completion> completions, TimeSpan disableAfter, CancellationToken cancellationToken)
    {
        var attempted = completions.OfType<Attempted>().ToList();
        var released = completions.OfType<Released>().ToList();
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        if (attempted.Count > 0) batch.BatchCommands.Add(RecordAttempts(attempted));
        if (released.Count > 0) batch.BatchCommands.Add(Release(released));
        var health = SubscriptionHealthUpdate.From(attempted);
        if (health.Count > 0) batch.BatchCommands.Add(UpdateHealth(health, disableAfter));
        var toDisable = new List<(Guid, string)>();
        await using var reader = await batch.ExecuteReaderAsync(cancellationToken);
        do
        {
            while (await reader.ReadAsync(cancellationToken))
                toDisable.Add((reader.GetGuid(0), reader.GetString(1)));
        } while (await reader.NextResultAsync(cancellationToken));
        return toDisable;
    }

    /// <summary>
    /// Moves every unheld pending delivery of a subscription that would come due within <paramref name="delay"/>
    /// to about the end of it, so that while its endpoint is down its backlog is not claimed and put back row by row.
    /// </summary>
    public async Task<int> PushBackAsync(Guid subscription, TimeSpan delay, CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("""
            UPDATE deliveries SET next_attempt_at = now() + $2 * (0.9 + 0.2 * random()), updated_at = now()
            WHERE subscription_id = $1 AND status = 'pending' AND (lease_until IS NULL OR lease_until < now()) AND next_attempt_at < now() + $2
            """);
        command.Parameters.Add(new() { Value = subscription });
        command.Parameters.Add(new() { Value = delay, NpgsqlDbType = NpgsqlDbType.Interval });
        return await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Gives held rows back at once (due now, lease cleared), for a worker that stops.</summary>
    public async Task HandBackAsync(IReadOnlyCollection<ClaimedDelivery> held, CancellationToken cancellationToken)
    {
        if (held.Count == 0) return;
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await using var batch = new NpgsqlBatch(connection);
        batch.BatchCommands.Add(Release(held.Select(h => new Released(h, DeliveryStatus.Pending, TimeSpan.Zero)).ToList()));
        await batch.ExecuteNonQueryAsync(cancellationToken);
    }

    private static NpgsqlBatchCommand RecordAttempts(List<Attempted> items)
    {
        var command = new NpgsqlBatchCommand("""
            WITH t AS (
                SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::interval[], $5::timestamptz[], $6::int[], $7::int[],
                                     $8::text[], $9::text[], $10::text[], $11::text[], $12::text[])
                    AS t(id, token, status, next_in, at, code, duration, kind, error, request_headers, response_headers, body)
            ), done AS (
                UPDATE deliveries d
                SET status = t.status, attempt_count = d.attempt_count + 1, next_attempt_at = now() + t.next_in,
                    lease_token = NULL, locked_by = NULL, lease_until = NULL, last_attempt_at = t.at, last_status_code = t.code,
                    last_error = t.error, updated_at = now()
                FROM t WHERE d.id = t.id AND d.lease_token = t.token
                RETURNING d.id, d.attempt_count
            )
            INSERT INTO attempts (delivery_id, number, at, status_code, duration_ms, error_kind, error, request_headers, response_headers, response_body)
            SELECT t.id, done.attempt_count, t.at, t.code, t.duration, t.kind, t.error, t.request_headers::jsonb, t.response_headers::jsonb, t.body
            FROM done JOIN t ON t.id = done.id
            """);
        Add(command, items.Select(i => i.Delivery.Id).ToArray());
        Add(command, items.Select(i => i.Delivery.LeaseToken).ToArray());
        Add(command, items.Select(i => i.Status).ToArray());
        Add(command, items.Select(i => i.NextIn).ToArray());
        Add(command, items.Select(i => i.Attempt.At).ToArray());
        Add(command, items.Select(i => i.Attempt.StatusCode).ToArray());
        Add(command, items.Select(i => i.Attempt.DurationMs).ToArray());
        Add(command, items.Select(i => i.Attempt.ErrorKind).ToArray());
        Add(command, items.Select(i => i.Attempt.Error).ToArray());
        Add(command, items.Select(i => i.Attempt.RequestHeaders).ToArray());
        Add(command, items.Select(i => i.Attempt.ResponseHeaders).ToArray());
        Add(command, items.Select(i => i.Attempt.ResponseBody).ToArray());
        return command;
    }

    private static NpgsqlBatchCommand Release(List<Released> items)
    {
        var command = new NpgsqlBatchCommand("""
            UPDATE deliveries d
            SET status = t.status, next_attempt_at = now() + t.next_in, lease_token = NULL, locked_by = NULL, lease_until = NULL, updated_at = now()
            FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::interval[]) AS t(id, token, status, next_in)
            WHERE d.id = t.id AND d.lease_token = t.token
            """);
        Add(command, items.Select(i => i.Delivery.Id).ToArray());
        Add(command, items.Select(i => i.Delivery.LeaseToken).ToArray());
        Add(command, items.Select(i => i.Status).ToArray());
        Add(command, items.Select(i => i.NextIn).ToArray());
        return command;
    }

    // Rows are locked in id order so that two instances updating the same subscriptions cannot deadlock.
    // A subscription that keeps succeeding is written at most about once a second. Only the
    // subscriptions that must now be disabled come back, with the reason.
    private static NpgsqlBatchCommand UpdateHealth(List<SubscriptionHealthUpdate> items, TimeSpan disableAfter)
    {
        var command = new NpgsqlBatchCommand("""
            WITH t AS (
                SELECT * FROM unnest($1::uuid[], $2::timestamptz[], $3::timestamptz[], $4::timestamptz[], $5::int[], $6::boolean[])
                    AS t(id, success_at, first_failure_at, last_failure_at, failures, gone)
            ), locked AS (
                SELECT s.id FROM subscriptions s WHERE s.id IN (SELECT id FROM t) ORDER BY s.id FOR UPDATE
            ), updated AS (
                UPDATE subscriptions s
                SET last_success_at = coalesce(t.success_at, s.last_success_at),
                    last_failure_at = coalesce(t.last_failure_at, s.last_failure_at),
                    failing_since = CASE WHEN t.failures = 0 THEN NULL
                                         WHEN t.success_at IS NOT NULL THEN t.first_failure_at
                                         ELSE coalesce(s.failing_since, t.first_failure_at) END,
                    failure_streak = CASE WHEN t.success_at IS NOT NULL THEN t.failures ELSE s.failure_streak + t.failures END
                FROM t
                WHERE s.id = t.id AND s.id IN (SELECT id FROM locked)
                  AND NOT (t.failures = 0 AND s.failure_streak = 0 AND coalesce(s.last_success_at > now() - interval '1 second', false))
                RETURNING s.id, s.enabled, s.failing_since, t.gone, t.last_failure_at
            )
            SELECT id,
                CASE WHEN gone THEN 'The endpoint answered 410 Gone at ' || to_char(last_failure_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC.'
                     ELSE 'Every attempt has failed since ' || to_char(failing_since AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC, longer than ' || $7::interval::text || '.'
                END
            FROM updated
            WHERE enabled AND (gone OR failing_since <= now() - $7::interval)
            """);
        Add(command, items.Select(i => i.Subscription).ToArray());
        Add(command, items.Select(i => i.SuccessAt).ToArray());
        Add(command, items.Select(i => i.FirstFailureAt).ToArray());
        Add(command, items.Select(i => i.LastFailureAt).ToArray());
        Add(command, items.Select(i => i.Failures).ToArray());
        Add(command, items.Select(i => i.Gone).ToArray());
        command.Parameters.Add(new() { Value = disableAfter, NpgsqlDbType = NpgsqlDbType.Interval });
        return command;
    }

    private static void Add<T>(NpgsqlBatchCommand command, T value) => command.Parameters.Add(new NpgsqlParameter<T> { TypedValue = value });
}
