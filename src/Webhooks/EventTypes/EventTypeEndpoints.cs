using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Webhooks.Auth;
using Webhooks.Common;
using Webhooks.Data;

namespace Webhooks.EventTypes;

public static class EventTypeEndpoints
{
    public static RouteGroupBuilder MapEventTypeEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/event-types").WithTags("Event types");
        group.MapPost("/", Create).RequireAuthorization(AuthSetup.AdminPolicy)
            .WithName("createEventType").WithSummary("Register an event type with its JSON Schema").ProducesProblems("validation", "conflict", "invalid-schema", "invalid-example");
        // Every key may read the catalogue: partners choose filters from it, producers check what to send.
        group.MapGet("/", List).RequireAuthorization()
            .WithName("listEventTypes").WithSummary("List event types with their current schema");
        group.MapGet("/{name}", Get).RequireAuthorization()
            .WithName("getEventType").WithSummary("Get an event type with its schema version history").ProducesProblems("not-found");
        group.MapPut("/{name}", Update).RequireAuthorization(AuthSetup.AdminPolicy)
            .WithName("updateEventType").WithSummary("Register a new schema version of an event type").ProducesProblems("validation", "not-found", "invalid-schema", "invalid-example");
        group.MapDelete("/{name}", Archive).RequireAuthorization(AuthSetup.AdminPolicy)
            .WithName("archiveEventType").WithSummary("Archive an event type: new events of it are refused").ProducesProblems("not-found");
        return group;
    }

    private static async Task<Results<Created<EventTypeResponse>, ValidationProblem, ProblemHttpResult>> Create(
        CreateEventType request, EventTypeService service)
    {
        var outcome = await service.CreateAsync(request.Name, request.Description, request.Schema, request.Example);
        if (outcome.Failure is { } f) return f.Kind == FailureKind.Validation ? Problems.Validation(f) : Problems.From(f);
        var type = outcome.Value!;
        return TypedResults.Created($"/api/v1/event-types/{type.Name}", EventTypeResponse.From(type, withHistory: true));
    }

    private static async Task<Results<Ok<Page<EventTypeResponse>>, ValidationProblem>> List(WebhooksDb db, int? limit, string? cursor, bool? includeArchived)
    {
        var page = PageRequest.Parse(limit, cursor, out var errors, EventTypeNames.IsValid);
        if (errors.Count > 0) return Problems.Validation(errors);
        var query = db.EventTypes.AsNoTracking();
        if (includeArchived != true) query = query.Where(t => t.ArchivedAt == null);
        // Byte order ("C" collation), the same on every database whatever its locale, so cursors stay stable.
        if (page.After is { } after) query = query.Where(t => string.Compare(EF.Functions.Collate(t.Name, "C"), after) > 0);
        var rows = await query.OrderBy(t => EF.Functions.Collate(t.Name, "C")).Take(page.Limit + 1)
            .Join(db.EventTypeVersions, t => new { t.Name, Version = t.CurrentVersion }, v => new { Name = v.EventType, v.Version }, (t, v) => new { Type = t, Current = v })
            .ToListAsync();
        return TypedResults.Ok(page.ToPage(rows.OrderBy(r => r.Type.Name, StringComparer.Ordinal).ToList(), r => r.Type.Name, r =>
        {
            r.Type.Versions = [r.Current];
            return EventTypeResponse.From(r.Type, withHistory: false);
        }));
    }

    private static async Task<Results<Ok<EventTypeResponse>, ProblemHttpResult>> Get(string name, EventTypeService service)
    {
        var type = await service.FindAsync(name);
        return type is null ? Problems.NotFound($"The event type '{name}'") : TypedResults.Ok(EventTypeResponse.From(type, withHistory: true));
    }

    private static async Task<Results<Ok<EventTypeResponse>, ValidationProblem, ProblemHttpResult>> Update(
        string name, UpdateEventType request, EventTypeService service)
    {
        var outcome = await service.UpdateAsync(name, request.Description, request.Schema, request.Example);
        if (outcome.Failure is { } f) return f.Kind == FailureKind.Validation ? Problems.Validation(f) : Problems.From(f);
        return TypedResults.Ok(EventTypeResponse.From(outcome.Value!, withHistory: true));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Archive(string name, EventTypeService service) =>
        await service.ArchiveAsync(name) is { } failure ? Problems.From(failure) : TypedResults.NoContent();
}
