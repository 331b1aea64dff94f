using System.Text.Json;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Webhooks.Auth;
using Webhooks.Common;
using Webhooks.Data;

namespace Webhooks.Ingest;

public sealed record EventSummary(Guid Id, string Type, Guid? PartnerId, DateTimeOffset CreatedAt);
public sealed record EventDelivery(
    Guid Id, Guid SubscriptionId, string Status, int AttemptCount, DateTimeOffset NextAttemptAt,
    DateTimeOffset? LastAttemptAt, int? LastStatusCode, string? LastError);
/// <summary>One event; <paramref name="CloudEvent"/> holds the context attributes of an event that came in as a CloudEvent (null otherwise).</summary>
public sealed record EventDetail(
    Guid Id, string Type, Guid? PartnerId, JsonElement Payload, DateTimeOffset CreatedAt, IReadOnlyList<EventDelivery> Deliveries,
    Dictionary<string, string>? CloudEvent = null);

/// <summary>Reading events: admins see all; a partner sees events addressed to it or delivered to its subscriptions.</summary>
public static class EventEndpoints
{
    public static RouteGroupBuilder MapEventEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/events").WithTags("Events").RequireAuthorization(AuthSetup.PartnerPolicy);
        group.MapGet("/", List).WithName("listEvents").WithSummary("List events, newest first");
        group.MapGet("/{id:guid}", Get).WithName("getEvent").WithSummary("Get an event with its payload and deliveries").ProducesProblems("not-found");
        return group;
    }

    private static async Task<Results<Ok<Page<EventSummary>>, ValidationProblem>> List(
        HttpContext context, WebhooksDb db, string? type, Guid? partnerId, DateTimeOffset? since, DateTimeOffset? until, int? limit, string? cursor)
    {
        var page = PageRequest.Parse(limit, cursor, out var errors);
        if (errors.Count > 0) return Problems.Validation(errors);
        var events = Visible(db, context.Caller());
        if (type is not null) events = events.Where(e => e.Type == type);
        if (partnerId is not null) events = events.Where(e => e.PartnerId == partnerId);
        if (since is not null) events = events.Where(e => e.CreatedAt >= since);
        if (until is not null) events = events.Where(e => e.CreatedAt < until);
        if (page.AfterId is { } after) events = events.Where(e => e.Id < after);
        var rows = await events.OrderByDescending(e => e.Id).Take(page.Limit + 1)
            .Select(e => new EventSummary(e.Id, e.Type, e.PartnerId, e.CreatedAt)).ToListAsync();
        return TypedResults.Ok(page.ToPage(rows, e => e.Id.ToString(), e => e));
    }

    private static async Task<Results<Ok<EventDetail>, ProblemHttpResult>> Get(Guid id, HttpContext context, WebhooksDb db)
    {
        var caller = context.Caller();
        var found = await Visible(db, caller).FirstOrDefaultAsync(e => e.Id == id);
        if (found is null) return Problems.NotFound("The event");
        var deliveries = await db.Deliveries.AsNoTracking()
            .Where(d => d.EventId == id && (caller.IsAdmin || db.Subscriptions.Any(s => s.Id == d.SubscriptionId && s.PartnerId == caller.PartnerId)))
            .OrderBy(d => d.Id)
            .Select(d => new EventDelivery(d.Id, d.SubscriptionId, d.Status, d.AttemptCount, d.NextAttemptAt, d.LastAttemptAt, d.LastStatusCode, d.LastError))
            .ToListAsync();
        using var payload = JsonDocument.Parse(found.Payload);
        return TypedResults.Ok(new EventDetail(found.Id, found.Type, found.PartnerId, payload.RootElement.Clone(), found.CreatedAt, deliveries,
            found.CloudEvent is null ? null : JsonSerializer.Deserialize<Dictionary<string, string>>(found.CloudEvent)));
    }

    private static IQueryable<Event> Visible(WebhooksDb db, Caller caller) => caller.IsAdmin
        ? db.Events.AsNoTracking()
        : db.Events.AsNoTracking().Where(e => e.PartnerId == caller.PartnerId
            || db.Deliveries.Any(d => d.EventId == e.Id && db.Subscriptions.Any(s => s.Id == d.SubscriptionId && s.PartnerId == caller.PartnerId)));
}
