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
/// Only deliveries the caller may see and that are dead are touched; each replay is recorded with who ran it.
/// </summary>
public sealed class DeadLetterActions(WebhooksDb db, UiQueries queries, TimeProvider time, ILogger<DeadLetterActions> logger)
{
    public Task<int> CountAsync(DeliverySearch search, Caller caller, IReadOnlyCollection<Guid>? ids) => Matching(search, caller, ids).CountAsync();

    public async Task<int> ReplayAsync(DeliverySearch search, Caller caller, IReadOnlyCollection<Guid>? ids)
    {
        await using var transaction = await db.Database.BeginTransactionAsync();
        var count = await Requeue(Matching(search, caller, ids).Select(r => r.Delivery.Id));
        await Audit(caller, new { search.SubscriptionId, search.PartnerId, search.EventType, search.StatusCode, search.Since, search.Until, status = DeliveryStatus.Dead, deliveryIds = ids }, count);
        await transaction.CommitAsync();
        return count;
    }

    public async Task<Failure?> ReplayOneAsync(Guid id, Caller caller)
    {
        var row = await queries.DeliveryAsync(id, caller);
        if (row is null) return Failure.NotFound("The delivery");
        if (row.Delivery.Status is not (DeliveryStatus.Dead or DeliveryStatus.Succeeded))
            return Failure.Conflict($"Only dead or succeeded deliveries can be replayed; this one is {row.Delivery.Status}.");
        await using var transaction = await db.Database.BeginTransactionAsync();
        var count = await Requeue(db.Deliveries.Where(d => d.Id == id && d.Status == row.Delivery.Status).Select(d => d.Id));
        await Audit(caller, new { deliveryId = id }, count);
        await transaction.CommitAsync();
        return count == 0 ? Failure.Conflict("The delivery changed meanwhile; look again.") : null;
    }

    public async Task<int> DiscardAsync(DeliverySearch search, Caller caller, IReadOnlyCollection<Guid>? ids)
    {
        var matching = Matching(search, caller, ids).Select(r => r.Delivery.Id);
        var now = time.GetUtcNow();
        var count = await db.Deliveries.Where(d => matching.Contains(d.Id) && d.Status == DeliveryStatus.Dead)
            .ExecuteUpdateAsync(u => u.SetProperty(d => d.Status, DeliveryStatus.Discarded).SetProperty(d => d.UpdatedAt, now));
        logger.LogInformation("{Caller} discarded {Count} dead deliveries", caller.Name, count);
        return count;
    }

    private IQueryable<DeliveryListRow> Matching(DeliverySearch search, Caller caller, IReadOnlyCollection<Guid>? ids)
    {
        var rows = queries.Deliveries(search with { Status = DeliveryStatus.Dead }, caller);
        return ids is null ? rows : rows.Where(r => ids.Contains(r.Delivery.Id));
    }

    private async Task<int> Requeue(IQueryable<Guid> ids)
    {
        var now = time.GetUtcNow();
        return await db.Deliveries.Where(d => ids.Contains(d.Id) && (d.Status == DeliveryStatus.Dead || d.Status == DeliveryStatus.Succeeded))
            .ExecuteUpdateAsync(u => u.SetProperty(d => d.Status, DeliveryStatus.Pending)
                .SetProperty(d => d.NextAttemptAt, now)
                .SetProperty(d => d.LeaseToken, (Guid?)null)
                .SetProperty(d => d.LockedBy, (string?)null)
                .SetProperty(d => d.UpdatedAt, now));
    }

    private async Task Audit(Caller caller, object filter, int count)
    {
        db.Replays.Add(new Replay
        {
            Id = Guid.CreateVersion7(),
            RequestedBy = caller.Name,
            Filter = JsonSerializer.Serialize(filter, JsonSerializerOptions.Web),
            Count = count,
            CreatedAt = time.GetUtcNow(),
        });
        await db.SaveChangesAsync();
    }
}
