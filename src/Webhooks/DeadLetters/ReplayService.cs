using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Webhooks.Auth;
using Webhooks.Data;
using Webhooks.Delivery;
using Webhooks.Jobs;

namespace Webhooks.DeadLetters;

public enum ReplayOutcome { Replayed, NotFound, NotReplayable }

/// <summary>
/// Sends dead (or succeeded) deliveries again with the same webhook-id. A replayed delivery keeps its
/// attempt history and numbering and gets a fresh retry budget. A bulk replay runs as a job (<see cref="BulkReplayJob"/>)
/// spread out at Webhooks:Delivery:ReplayPerSecond, so deliveries that are due now still go first. Every replay is
/// recorded with who asked for it. Callers see and replay only the deliveries they may see.
/// </summary>
public sealed class ReplayService(WebhooksDb db, AdminJobs jobs, IOptionsMonitor<DeliveryOptions> options, TimeProvider time)
{
    public static readonly string[] ReplayableStatuses = [DeliveryStatus.Dead, DeliveryStatus.Succeeded];
    private const int Chunk = 10_000;

    /// <summary>How many deliveries <see cref="ReplayAsync"/> would queue for this filter (status defaults to dead).</summary>
    public Task<int> CountAsync(DeliveryFilter filter, Caller caller, CancellationToken cancellationToken = default) =>
        Replayable(filter).Apply(db, caller).CountAsync(cancellationToken);

    public async Task<ReplayOutcome> ReplayOneAsync(Guid deliveryId, Caller caller, CancellationToken cancellationToken = default)
    {
        var status = await new DeliveryFilter().Apply(db, caller).Where(r => r.Delivery.Id == deliveryId)
            .Select(r => r.Delivery.Status).FirstOrDefaultAsync(cancellationToken);
        if (status is null) return ReplayOutcome.NotFound;
        if (!ReplayableStatuses.Contains(status)) return ReplayOutcome.NotReplayable;
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var count = await Requeue([deliveryId], status, cancellationToken);
        if (count == 0) return ReplayOutcome.NotReplayable;
        await Audit(caller, new { deliveryId }, count, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return ReplayOutcome.Replayed;
    }

    /// <summary>
    /// Starts a bulk replay of every matching delivery as a job; answers how many match now and the job's id. The
    /// job covers the deliveries that match when it is asked for (none created later) and sends them oldest first.
    /// </summary>
    public async Task<(int Count, Guid JobId)> StartReplayAsync(DeliveryFilter filter, Caller caller, CancellationToken cancellationToken = default)
    {
        filter = Replayable(filter);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var matching = filter.Apply(db, caller);
        var count = await matching.CountAsync(cancellationToken);
        // max() has no uuid form before PostgreSQL 16.
        var last = await matching.OrderByDescending(r => r.Delivery.Id).Select(r => (Guid?)r.Delivery.Id).FirstOrDefaultAsync(cancellationToken);
        var job = await jobs.AddAsync<BulkReplayJob>(BulkReplayJob.Kind, caller, count, new BulkReplay(filter, last, caller.Name, caller.IsAdmin, caller.PartnerId),
            id => j => j.RunAsync(id, CancellationToken.None), cancellationToken);
        await Audit(caller, filter, count, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        jobs.Start(job);
        return (count, job.Id);
    }

    /// <summary>
    /// The body of a bulk replay job: queues the matching deliveries in id order, a batch a second at ReplayPerSecond,
    /// each batch committed with the job's position, so a run that was cut short goes on after the last committed
    /// batch and no delivery is queued twice.
    /// </summary>
    public async Task RunReplayAsync(Guid jobId, CancellationToken cancellationToken)
    {
        var (replay, _, position) = await jobs.LoadAsync<BulkReplay>(jobId, cancellationToken);
        var caller = new Caller(replay.RequestedBy, replay.IsAdmin, false, replay.PartnerId, null);
        var status = replay.Filter.Status!;
        while (replay.Last is { } last)
        {
            var perSecond = options.CurrentValue.ReplayPerSecond;
            var started = time.GetTimestamp();
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var query = replay.Filter.Apply(db, caller).Where(r => r.Delivery.Id <= last);
            if (position is { } after) query = query.Where(r => r.Delivery.Id > after);
            var ids = await query.OrderBy(r => r.Delivery.Id).Select(r => r.Delivery.Id).Take(Math.Clamp(perSecond, 1, 1000)).ToArrayAsync(cancellationToken);
            if (ids.Length == 0) break;
            var queued = await Requeue(ids, status, cancellationToken);
            await jobs.AdvanceAsync(jobId, queued, ids[^1], cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            await db.Database.ExecuteSqlRawAsync($"SELECT pg_notify('{DeliveryQueue.Channel}', '')", cancellationToken);
            position = ids[^1];
            // The batch's deliveries come due over the next ids.Length / perSecond seconds; the next batch follows them.
            var rest = TimeSpan.FromSeconds((double)ids.Length / perSecond) - time.GetElapsedTime(started);
            if (rest > TimeSpan.Zero) await Task.Delay(rest, time, cancellationToken);
        }
        await jobs.FinishAsync(jobId, cancellationToken);
    }

    /// <summary>What a bulk replay job is given: the filter, the newest delivery it covers, and who asked (whose deliveries it may touch).</summary>
    public sealed record BulkReplay(DeliveryFilter Filter, Guid? Last, string RequestedBy, bool IsAdmin, Guid? PartnerId);

    /// <summary>
    /// Queues the chosen deliveries that are still dead again, oldest first, as one replay: one audit entry that
    /// records <paramref name="recordedAs"/> (the selection, or the filter that chose them). Answers how many went.
    /// </summary>
    public async Task<int> ReplaySelectionAsync(IReadOnlyCollection<Guid> deliveryIds, object recordedAs, Caller caller, CancellationToken cancellationToken = default)
    {
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var ids = await new DeliveryFilter(DeliveryStatus.Dead).Apply(db, caller).Where(r => deliveryIds.Contains(r.Delivery.Id))
            .OrderBy(r => r.Delivery.CreatedAt).ThenBy(r => r.Delivery.Id).Select(r => r.Delivery.Id).ToArrayAsync(cancellationToken);
        var count = 0;
        for (var offset = 0; offset < ids.Length; offset += Chunk)
            count += await Requeue(ids[offset..Math.Min(ids.Length, offset + Chunk)], DeliveryStatus.Dead, cancellationToken, offset);
        await Audit(caller, recordedAs, count, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return count;
    }

    private static DeliveryFilter Replayable(DeliveryFilter filter) =>
        filter with { Status = filter.Status ?? DeliveryStatus.Dead };

    /// <summary>The n-th delivery of a replay comes due n / ReplayPerSecond seconds from now.</summary>
    private Task<int> Requeue(Guid[] ids, string status, CancellationToken cancellationToken, int offset = 0) =>
        db.Database.ExecuteSqlRawAsync("""
            UPDATE deliveries d
            SET status = 'pending', attempt_base = d.attempt_count, next_attempt_at = now() + (t.n - 1 + @offset) * @spacing,
                lease_token = NULL, locked_by = NULL, updated_at = now()
            FROM unnest(@ids::uuid[]) WITH ORDINALITY AS t(id, n)
            WHERE d.id = t.id AND d.status = @status
            """,
            [
                new NpgsqlParameter("ids", ids),
                new NpgsqlParameter("status", status),
                new NpgsqlParameter("offset", offset),
                new NpgsqlParameter("spacing", NpgsqlDbType.Interval) { Value = TimeSpan.FromTicks(TimeSpan.TicksPerSecond / options.CurrentValue.ReplayPerSecond) },
            ],
            cancellationToken);

    private async Task Audit(Caller caller, object filter, int count, CancellationToken cancellationToken)
    {
        db.Replays.Add(new Replay
        {
            Id = Guid.CreateVersion7(),
            RequestedBy = caller.Name,
            Filter = JsonSerializer.Serialize(filter, JsonSerializerOptions.Web),
            Count = count,
            CreatedAt = time.GetUtcNow(),
        });
        await db.SaveChangesAsync(cancellationToken);
        if (count > 0) await db.Database.ExecuteSqlRawAsync($"SELECT pg_notify('{DeliveryQueue.Channel}', '')", cancellationToken);
    }
}
