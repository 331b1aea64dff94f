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

/// <summary>A subscription in the list, with its mean attempt time over the last day (null without attempts).</summary>
public sealed record SubscriptionListRow(Subscription Subscription, string PartnerName, long? MeanLatencyMs = null);

/// <summary>How many of an event's deliveries are in each status.</summary>
public sealed record DeliveryOutcome(IReadOnlyDictionary<string, int> Counts)
{
    public int this[string status] => Counts.GetValueOrDefault(status);
    public int Total => Counts.Values.Sum();
}

/// <summary>The reads behind the UI's lists; every one sees only what the caller may see.</summary>
public sealed class UiQueries(WebhooksDb db, TimeProvider time)
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

    /// <summary>How a delivery list can be sorted: newest or oldest first, or by the last status code (no answer counts as 0).</summary>
    public static readonly string[] DeliverySorts = ["newest", "oldest", "code", "code-desc"];

    /// <summary>One page of deliveries, keyset-paged in the chosen order (the cursor carries the sort key and the id).</summary>
    public async Task<(List<DeliveryListRow> Rows, string? Next)> DeliveryPageAsync(DeliverySearch search, Caller caller, Cursor? after, string? sort = null)
    {
        var query = Deliveries(search, caller);
        switch (sort ?? "newest")
        {
            case "oldest":
                if (after is { } o) query = query.Where(r => r.Delivery.Id > o.Id);
                return Cut(await query.OrderBy(r => r.Delivery.Id).Take(PageSize + 1).ToListAsync(), r => Cursor.Make(null, r.Delivery.Id));
            case "code" or "code-desc":
                var ascending = sort == "code";
                if (after is { Key: { } key } c)
                    query = ascending
                        ? query.Where(r => (r.Delivery.LastStatusCode ?? 0) > key || ((r.Delivery.LastStatusCode ?? 0) == key && r.Delivery.Id < c.Id))
                        : query.Where(r => (r.Delivery.LastStatusCode ?? 0) < key || ((r.Delivery.LastStatusCode ?? 0) == key && r.Delivery.Id < c.Id));
                var byCode = ascending ? query.OrderBy(r => r.Delivery.LastStatusCode ?? 0) : query.OrderByDescending(r => r.Delivery.LastStatusCode ?? 0);
                return Cut(await byCode.ThenByDescending(r => r.Delivery.Id).Take(PageSize + 1).ToListAsync(),
                    r => Cursor.Make(r.Delivery.LastStatusCode ?? 0, r.Delivery.Id));
            default:
                if (after is { } n) query = query.Where(r => r.Delivery.Id < n.Id);
                return Cut(await query.OrderByDescending(r => r.Delivery.Id).Take(PageSize + 1).ToListAsync(), r => Cursor.Make(null, r.Delivery.Id));
        }
    }

    public async Task<DeliveryListRow?> DeliveryAsync(Guid id, Caller caller) =>
        await Deliveries(new DeliverySearch(), caller).FirstOrDefaultAsync(r => r.Delivery.Id == id);

    public Task<List<AttemptRecord>> AttemptsAsync(Guid deliveryId) =>
        db.Attempts.AsNoTracking().Where(a => a.DeliveryId == deliveryId).OrderBy(a => a.Number).ToListAsync();

    /// <summary>How the subscription list can be sorted: newest first, most failures in a row first, or slowest (mean over 24 h) first.</summary>
    public static readonly string[] SubscriptionSorts = ["newest", "failures", "latency"];

    public async Task<(List<SubscriptionListRow> Rows, string? Next)> SubscriptionPageAsync(Caller caller, Guid? partnerId, string? health, Cursor? after, string? sort = null)
    {
        var since = time.GetUtcNow().AddDays(-1);
        var rows =
            from s in db.Subscriptions.AsNoTracking()
            join p in db.Partners on s.PartnerId equals p.Id
            where s.DeletedAt == null
            select new
            {
                s, p,
                // Mean time of the last day's attempts in whole milliseconds, -1 without any.
                Latency = (long)Math.Round(db.Deliveries.Where(d => d.SubscriptionId == s.Id).SelectMany(d => d.Attempts)
                    .Where(a => a.At >= since).Average(a => (double?)a.DurationMs) ?? -1),
            };
        if (!caller.IsAdmin) rows = rows.Where(r => r.s.PartnerId == caller.PartnerId);
        if (partnerId is { } partner) rows = rows.Where(r => r.s.PartnerId == partner);
        if (health == "failing") rows = rows.Where(r => r.s.FailureStreak > 0);
        if (health == "disabled") rows = rows.Where(r => !r.s.Enabled);
        var key = after?.Key ?? long.MaxValue;
        var afterId = after?.Id ?? Guid.Empty;
        var ordered = (sort ?? "newest") switch
        {
            "failures" => (after is null ? rows : rows.Where(r => r.s.FailureStreak < key || (r.s.FailureStreak == key && r.s.Id < afterId)))
                .OrderByDescending(r => r.s.FailureStreak).ThenByDescending(r => r.s.Id),
            "latency" => (after is null ? rows : rows.Where(r => r.Latency < key || (r.Latency == key && r.s.Id < afterId)))
                .OrderByDescending(r => r.Latency).ThenByDescending(r => r.s.Id),
            _ => (after is null ? rows : rows.Where(r => r.s.Id < afterId)).OrderByDescending(r => r.s.Id),
        };
        var list = await ordered.Take(PageSize + 1)
            .Select(r => new SubscriptionListRow(r.s, r.p.Name, r.Latency < 0 ? null : r.Latency)).ToListAsync();
        return Cut(list, r => sort switch
        {
            "failures" => Cursor.Make(r.Subscription.FailureStreak, r.Subscription.Id),
            "latency" => Cursor.Make(r.MeanLatencyMs ?? -1, r.Subscription.Id),
            _ => Cursor.Make(null, r.Subscription.Id),
        });
    }

    public async Task<(List<Event> Rows, string? Next)> EventPageAsync(string? type, Guid? partnerId, DateTimeOffset? since, DateTimeOffset? until, Cursor? after)
    {
        var query = db.Events.AsNoTracking();
        if (type is not null) query = query.Where(e => e.Type == type);
        if (partnerId is { } partner) query = query.Where(e => e.PartnerId == partner);
        if (since is { } s) query = query.Where(e => e.CreatedAt >= s);
        if (until is { } u) query = query.Where(e => e.CreatedAt < u);
        if (after is { } a) query = query.Where(e => e.Id < a.Id);
        return Cut(await query.OrderByDescending(e => e.Id).Take(PageSize + 1).ToListAsync(), e => Cursor.Make(null, e.Id));
    }

    /// <summary>How each event's deliveries stand: for every event id, the count of its deliveries in each status.</summary>
    public async Task<Dictionary<Guid, DeliveryOutcome>> OutcomesAsync(IReadOnlyCollection<Guid> eventIds)
    {
        var counts = await db.Deliveries.AsNoTracking().Where(d => eventIds.Contains(d.EventId))
            .GroupBy(d => new { d.EventId, d.Status }).Select(g => new { g.Key.EventId, g.Key.Status, Count = g.Count() }).ToListAsync();
        return eventIds.ToDictionary(id => id, id => new DeliveryOutcome(counts.Where(c => c.EventId == id).ToDictionary(c => c.Status, c => c.Count)));
    }

    /// <summary>What an id typed in the search box names, among the things the caller may see, as the address to open.</summary>
    public async Task<string?> FindAsync(Guid id, Caller caller)
    {
        if (await Deliveries(new DeliverySearch(), caller).AnyAsync(r => r.Delivery.Id == id)) return $"/deliveries/{id}";
        if (caller.IsAdmin && await db.Events.AnyAsync(e => e.Id == id)) return $"/events/{id}";
        // A webhook-id is the event's id: a partner sees the deliveries of it that went to its own subscriptions.
        if (await Deliveries(new DeliverySearch(EventId: id), caller).AnyAsync()) return $"/deliveries?eventId={id}";
        if (await SubscriptionService.Find(db, id, caller, tracked: false) is not null) return $"/subscriptions/{id}";
        if (caller.IsAdmin && await db.Partners.AnyAsync(p => p.Id == id && p.DeletedAt == null)) return $"/partners/{id}";
        return null;
    }

    public Task<List<Partners.Partner>> PartnersAsync() =>
        db.Partners.AsNoTracking().Where(p => p.DeletedAt == null).OrderBy(p => p.Name).ToListAsync();

    public Task<List<string>> EventTypeNamesAsync() =>
        db.EventTypes.AsNoTracking().Where(t => t.ArchivedAt == null).OrderBy(t => t.Name).Select(t => t.Name).ToListAsync();

    private static (List<T>, string?) Cut<T>(List<T> rows, Func<T, string> cursor)
    {
        if (rows.Count <= PageSize) return (rows, null);
        rows.RemoveAt(rows.Count - 1);
        return (rows, cursor(rows[^1]));
    }
}
