using Microsoft.EntityFrameworkCore;
using Webhooks.Auth;
using Webhooks.Common;
using Webhooks.Data;
using Webhooks.DeadLetters;
using Webhooks.Delivery;

namespace Webhooks.Ui;

/// <summary>
/// Replays and discards dead deliveries chosen on the dead-letter page: some by id, or all that match the filters.
/// Replays go through <see cref="ReplayService"/> (same webhook-id, fresh retries, recorded with who ran them);
/// only deliveries the caller may see and that are dead are touched.
/// </summary>
public sealed class DeadLetterActions(WebhooksDb db, UiQueries queries, ReplayService replays, TimeProvider time, ILogger<DeadLetterActions> logger)
{
    public Task<int> CountAsync(DeliverySearch search, Caller caller, IReadOnlyCollection<Guid>? ids) => Matching(search, caller, ids).CountAsync();

    public async Task<int> ReplayAsync(DeliverySearch search, Caller caller, IReadOnlyCollection<Guid>? ids)
    {
        if (ids is null && search.StatusCode is null)
            return await replays.ReplayAsync(
                new DeliveryFilter(DeliveryStatus.Dead, search.SubscriptionId, search.PartnerId, search.EventType, search.Since, search.Until), caller);
        // A selection, or a filter the replay service does not know (the last status code): one replay per delivery.
        var chosen = await Matching(search, caller, ids).OrderBy(r => r.Delivery.CreatedAt).Select(r => r.Delivery.Id).ToListAsync();
        var count = 0;
        foreach (var id in chosen)
            if (await replays.ReplayOneAsync(id, caller) == ReplayOutcome.Replayed) count++;
        return count;
    }

    public async Task<Failure?> ReplayOneAsync(Guid id, Caller caller) => await replays.ReplayOneAsync(id, caller) switch
    {
        ReplayOutcome.Replayed => null,
        ReplayOutcome.NotFound => Failure.NotFound("The delivery"),
        _ => Failure.Conflict("Only dead or succeeded deliveries can be replayed; this one is neither (any more)."),
    };

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
}
