using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Webhooks.Auth;
using Webhooks.Common;
using Webhooks.Data;
using Webhooks.DeadLetters;
using Webhooks.Delivery;

namespace Webhooks.Ui;

/// <summary>
/// Replays and discards dead deliveries chosen on the dead-letter page: some by id, or all that match the filters.
/// Replays go through <see cref="ReplayService"/> (same webhook-id, fresh retries); each replay or discard is one
/// audit entry with who ran it. Only deliveries the caller may see and that are dead are touched.
/// </summary>
public sealed class DeadLetterActions(WebhooksDb db, UiQueries queries, ReplayService replays, TimeProvider time, ILogger<DeadLetterActions> logger)
{
    public Task<int> CountAsync(DeliverySearch search, Caller caller, IReadOnlyCollection<Guid>? ids) => Matching(search, caller, ids).CountAsync();

    /// <summary>
    /// Replays what was chosen as one replay with one audit entry; answers how many deliveries go, and the job that
    /// queues them when it is all that match the filters (a selection is queued at once).
    /// </summary>
    public async Task<(int Count, Guid? JobId)> ReplayAsync(DeliverySearch search, Caller caller, IReadOnlyCollection<Guid>? ids)
    {
        if (ids is null && search.StatusCode is null)
            return await replays.StartReplayAsync(
                new DeliveryFilter(DeliveryStatus.Dead, search.SubscriptionId, search.PartnerId, search.EventType, search.Since, search.Until), caller);
        // A selection, or a filter the replay service does not take (the last status code): the deliveries it chose, in one replay.
        var chosen = await Matching(search, caller, ids).Select(r => r.Delivery.Id).ToListAsync();
        return (await replays.ReplaySelectionAsync(chosen, RecordedAs(search, ids), caller), null);
    }

    public async Task<Failure?> ReplayOneAsync(Guid id, Caller caller) => await replays.ReplayOneAsync(id, caller) switch
    {
        ReplayOutcome.Replayed => null,
        ReplayOutcome.NotFound => Failure.NotFound("The delivery"),
        _ => Failure.Conflict("Only dead or succeeded deliveries can be replayed; this one is neither (any more)."),
    };

    /// <summary>Marks the chosen dead deliveries discarded, and records who did it in the same transaction.</summary>
    public async Task<int> DiscardAsync(DeliverySearch search, Caller caller, IReadOnlyCollection<Guid>? ids)
    {
        var matching = Matching(search, caller, ids).Select(r => r.Delivery.Id);
        var now = time.GetUtcNow();
        await using var transaction = await db.Database.BeginTransactionAsync();
        var count = await db.Deliveries.Where(d => matching.Contains(d.Id) && d.Status == DeliveryStatus.Dead)
            .ExecuteUpdateAsync(u => u.SetProperty(d => d.Status, DeliveryStatus.Discarded).SetProperty(d => d.UpdatedAt, now));
        db.Replays.Add(new Replay
        {
            Id = Guid.CreateVersion7(), RequestedBy = caller.Name, Action = Replay.Discarded, Count = count, CreatedAt = now,
            Filter = JsonSerializer.Serialize(RecordedAs(search, ids), JsonSerializerOptions.Web),
        });
        await db.SaveChangesAsync();
        await transaction.CommitAsync();
        logger.LogInformation("{Caller} discarded {Count} dead deliveries", caller.Name, count);
        return count;
    }

    /// <summary>What the audit entry says was chosen: the selected deliveries, or the filters.</summary>
    private static object RecordedAs(DeliverySearch search, IReadOnlyCollection<Guid>? ids) => ids is not null
        ? new { deliveryIds = ids }
        : new { status = DeliveryStatus.Dead, search.SubscriptionId, search.PartnerId, search.EventType, search.StatusCode, search.Since, search.Until };

    private IQueryable<DeliveryListRow> Matching(DeliverySearch search, Caller caller, IReadOnlyCollection<Guid>? ids)
    {
        var rows = queries.Deliveries(search with { Status = DeliveryStatus.Dead }, caller);
        return ids is null ? rows : rows.Where(r => ids.Contains(r.Delivery.Id));
    }
}
