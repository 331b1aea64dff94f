using Microsoft.EntityFrameworkCore;
using Webhooks.Auth;
using Webhooks.Data;
using Webhooks.Delivery;

namespace Webhooks.DeadLetters;

/// <summary>Which deliveries a list or a bulk replay covers. Times bound the delivery's creation: since inclusive, until exclusive.</summary>
public sealed record DeliveryFilter(
    string? Status = null, Guid? SubscriptionId = null, Guid? PartnerId = null, string? EventType = null,
    DateTimeOffset? Since = null, DateTimeOffset? Until = null)
{
    /// <summary>Errors keyed by the query or body member they concern, empty when the filter is usable.</summary>
    public Dictionary<string, string[]> Check(string prefix = "")
    {
        var errors = new Dictionary<string, string[]>();
        if (Status is not null && !DeliveryStatus.All.Contains(Status))
            errors[prefix + "status"] = [$"status must be one of {string.Join(", ", DeliveryStatus.All)}."];
        if (Since is { } since && Until is { } until && until <= since)
            errors[prefix + "until"] = ["until must be later than since."];
        if (EventType?.Length > 200) errors[prefix + "eventType"] = ["eventType is at most 200 characters."];
        return errors;
    }

    /// <summary>The deliveries that match, among those the caller may see, with the partner and event type beside each.</summary>
    public IQueryable<DeliveryRow> Apply(WebhooksDb db, Caller caller)
    {
        var rows =
            from d in db.Deliveries.AsNoTracking()
            join s in db.Subscriptions on d.SubscriptionId equals s.Id
            join e in db.Events on d.EventId equals e.Id
            select new DeliveryRow { Delivery = d, PartnerId = s.PartnerId, EventType = e.Type };
        if (!caller.IsAdmin) rows = rows.Where(r => r.PartnerId == caller.PartnerId);
        if (Status is not null) rows = rows.Where(r => r.Delivery.Status == Status);
        if (SubscriptionId is not null) rows = rows.Where(r => r.Delivery.SubscriptionId == SubscriptionId);
        if (PartnerId is not null) rows = rows.Where(r => r.PartnerId == PartnerId);
        if (EventType is not null) rows = rows.Where(r => r.EventType == EventType);
        if (Since is { } since)
        {
            // A delivery's id is never earlier than its created_at millisecond (ingest makes it from the transaction's
            // time, a test send with uuid_v7() after it), so the primary key can find where the range starts; created_at
            // keeps the bound exact.
            var first = TimeOrderedIds.FirstAt(since);
            rows = rows.Where(r => r.Delivery.Id >= first && r.Delivery.CreatedAt >= since);
        }
        if (Until is not null) rows = rows.Where(r => r.Delivery.CreatedAt < Until);
        return rows;
    }
}

public sealed class DeliveryRow
{
    public required DeliveryRecord Delivery { get; init; }
    public Guid PartnerId { get; init; }
    public required string EventType { get; init; }
}
