using Microsoft.EntityFrameworkCore;
using Webhooks.Auth;
using Webhooks.Data;
using Webhooks.Delivery;
using Webhooks.Ingest;
using Webhooks.Subscriptions;

namespace Webhooks.Ui;

/// <summary>Which deliveries a list shows; every member is a query parameter of the page, so a view can be shared.</summary>
public sealed record DeliverySearch(
    string? Status = null, Guid? SubscriptionId = null, Guid? PartnerId = null, string? EventType = null,
    int? StatusCode = null, DateTimeOffset? Since = null, DateTimeOffset? Until = null, Guid? EventId = null);

/// <summary>A delivery with what a list shows beside it (a class with init members, so queries can still filter and sort on it).</summary>
public sealed class DeliveryListRow
{
    public required DeliveryRecord Delivery { get; init; }
    public Guid PartnerId { get; init; }
    public required string PartnerName { get; init; }
    public required string EventType { get; init; }
    public required string Url { get; init; }
}

public sealed record SubscriptionListRow(Subscription Subscription, string PartnerName);

/// <summary>The reads behind the UI's lists; every one sees only what the caller may see.</summary>
public sealed class UiQueries(WebhooksDb db)
{
    public const int PageSize = 25;

    public IQueryable<DeliveryListRow> Deliveries(DeliverySearch search, Caller caller)
    {
        var rows =
            from d in db.Deliveries.AsNoTracking()
            join s in db.Subscriptions on d.SubscriptionId equals s.Id
            join p in db.Partners on s.PartnerId equals p.Id
            join e in db.Events on d.EventId equals e.Id
            select new { d, s, p, e };
        if (!caller.IsAdmin) rows = rows.Where(r => r.s.PartnerId == caller.PartnerId);
        if (search.Status is { } status) rows = rows.Where(r => r.d.Status == status);
        if (search.SubscriptionId is { } subscription) rows = rows.Where(r => r.d.SubscriptionId == subscription);
        if (search.PartnerId is { } partner) rows = rows.Where(r => r.s.PartnerId == partner);
        if (search.EventType is { } type) rows = rows.Where(r => r.e.Type == type);
        if (search.StatusCode is { } code) rows = rows.Where(r => r.d.LastStatusCode == code);
        if (search.Since is { } since) rows = rows.Where(r => r.d.CreatedAt >= since);
        if (search.Until is { } until) rows = rows.Where(r => r.d.CreatedAt < until);
        if (search.EventId is { } eventId) rows = rows.Where(r => r.d.EventId == eventId);
        return rows.Select(r => new DeliveryListRow { Delivery = r.d, PartnerId = r.s.PartnerId, PartnerName = r.p.Name, EventType = r.e.Type, Url = r.s.Url });
    }

    public async Task<(List<DeliveryListRow> Rows, string? Next)> DeliveryPageAsync(DeliverySearch search, Caller caller, Guid? after)
    {
        var query = Deliveries(search, caller);
        if (after is { } a) query = query.Where(r => r.Delivery.Id < a);
        return Cut(await query.OrderByDescending(r => r.Delivery.Id).Take(PageSize + 1).ToListAsync(), r => r.Delivery.Id);
    }

    public async Task<DeliveryListRow?> DeliveryAsync(Guid id, Caller caller) =>
        await Deliveries(new DeliverySearch(), caller).FirstOrDefaultAsync(r => r.Delivery.Id == id);

    public Task<List<AttemptRecord>> AttemptsAsync(Guid deliveryId) =>
        db.Attempts.AsNoTracking().Where(a => a.DeliveryId == deliveryId).OrderBy(a => a.Number).ToListAsync();

    public async Task<(List<SubscriptionListRow> Rows, string? Next)> SubscriptionPageAsync(Caller caller, Guid? partnerId, string? health, Guid? after)
    {
        var rows =
            from s in db.Subscriptions.AsNoTracking()
            join p in db.Partners on s.PartnerId equals p.Id
            where s.DeletedAt == null
            select new { s, p };
        if (!caller.IsAdmin) rows = rows.Where(r => r.s.PartnerId == caller.PartnerId);
        if (partnerId is { } partner) rows = rows.Where(r => r.s.PartnerId == partner);
        if (health == "failing") rows = rows.Where(r => r.s.FailureStreak > 0);
        if (health == "disabled") rows = rows.Where(r => !r.s.Enabled);
        if (after is { } a) rows = rows.Where(r => r.s.Id < a);
        var list = await rows.OrderByDescending(r => r.s.Id).Take(PageSize + 1).Select(r => new SubscriptionListRow(r.s, r.p.Name)).ToListAsync();
        return Cut(list, r => r.Subscription.Id);
    }

    public async Task<(List<Event> Rows, string? Next)> EventPageAsync(string? type, Guid? partnerId, DateTimeOffset? since, DateTimeOffset? until, Guid? after)
    {
        var query = db.Events.AsNoTracking();
        if (type is not null) query = query.Where(e => e.Type == type);
        if (partnerId is { } partner) query = query.Where(e => e.PartnerId == partner);
        if (since is { } s) query = query.Where(e => e.CreatedAt >= s);
        if (until is { } u) query = query.Where(e => e.CreatedAt < u);
        if (after is { } a) query = query.Where(e => e.Id < a);
        return Cut(await query.OrderByDescending(e => e.Id).Take(PageSize + 1).ToListAsync(), e => e.Id);
    }

    public Task<List<Partners.Partner>> PartnersAsync() =>
        db.Partners.AsNoTracking().Where(p => p.DeletedAt == null).OrderBy(p => p.Name).ToListAsync();

    public Task<List<string>> EventTypeNamesAsync() =>
        db.EventTypes.AsNoTracking().Where(t => t.ArchivedAt == null).OrderBy(t => t.Name).Select(t => t.Name).ToListAsync();

    private static (List<T>, string?) Cut<T>(List<T> rows, Func<T, Guid> key)
    {
        if (rows.Count <= PageSize) return (rows, null);
        rows.RemoveAt(rows.Count - 1);
        return (rows, key(rows[^1]).ToString());
    }
}
