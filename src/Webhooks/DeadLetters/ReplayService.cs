using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Webhooks.Auth;
using Webhooks.Data;
using Webhooks.Delivery;

namespace Webhooks.DeadLetters;

public enum ReplayOutcome { Replayed, NotFound, NotReplayable }

/// <summary>
/// Sends dead (or succeeded) deliveries again with the same webhook-id. A replayed delivery keeps its
/// attempt history and numbering and gets a fresh retry budget. A bulk replay is spread out at
/// Webhooks:Delivery:ReplayPerSecond, so deliveries that are due now still go first. Every replay is
/// recorded with who asked for it. Callers see and replay only the deliveries they may see.
/// </summary>
public sealed class ReplayService(WebhooksDb db, IOptionsMonitor<DeliveryOptions> options, TimeProvider time)
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

    /// <summary>Queues every matching delivery again; answers how many.</summary>
    public async Task<int> ReplayAsync(DeliveryFilter filter, Caller caller, CancellationToken cancellationToken = default)
    {
        filter = Replayable(filter);
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        var ids = await filter.Apply(db, caller).OrderBy(r => r.Delivery.CreatedAt).ThenBy(r => r.Delivery.Id)
            .Select(r => r.Delivery.Id).ToListAsync(cancellationToken);
        var count = 0;
        for (var offset = 0; offset < ids.Count; offset += Chunk)
            count += await Requeue(ids.Skip(offset).Take(Chunk).ToArray(), filter.Status!, cancellationToken, offset);
        await Audit(caller, filter, count, cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return count;
    }

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
