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
        var group = routes.MapGroup("/api/v1/event-types").WithTags("Event types").RequireAuthorization(AuthSetup.AdminPolicy);
        group.MapPost("/", Create);
        // Every key may read the catalogue: partners choose filters from it, producers check what to send.
        group.MapGet("/", List).RequireAuthorization();
        group.MapGet("/{name}", Get).RequireAuthorization();
        group.MapPut("/{name}", Update);
        group.MapDelete("/{name}", Archive);
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
        var page = PageRequest.Parse(limit, cursor, out var errors);
        if (errors.Count > 0) return Problems.Validation(errors);
        var query = db.EventTypes.AsNoTracking().Include(t => t.Versions.Where(v => v.Version == t.CurrentVersion)).AsQueryable();
        if (includeArchived != true) query = query.Where(t => t.ArchivedAt == null);
        if (page.After is { } after) query = query.Where(t => string.Compare(t.Name, after) > 0);
        var rows = await query.OrderBy(t => t.Name).Take(page.Limit + 1).ToListAsync();
        return TypedResults.Ok(page.ToPage(rows, t => t.Name, t => EventTypeResponse.From(t, withHistory: false)));
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
