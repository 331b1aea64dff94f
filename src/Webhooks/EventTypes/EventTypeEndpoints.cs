using System.Text.Json;
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
        group.MapPost("/", Create).RequireAuthorization(AuthSetup.AdminPolicy);
        // Every key may read the catalogue: partners choose filters from it, producers check what to send.
        group.MapGet("/", List).RequireAuthorization();
        group.MapGet("/{name}", Get).RequireAuthorization();
        group.MapPut("/{name}", Update).RequireAuthorization(AuthSetup.AdminPolicy);
        group.MapDelete("/{name}", Archive).RequireAuthorization(AuthSetup.AdminPolicy);
        return group;
    }

    private static async Task<Results<Created<EventTypeResponse>, ValidationProblem, ProblemHttpResult>> Create(
        CreateEventType request, WebhooksDb db, SchemaRegistry registry, TimeProvider time)
    {
        var errors = new Dictionary<string, string[]>();
        if (!EventTypeNames.IsValid(request.Name))
            errors["$.name"] = ["name must be dot-separated segments of letters, digits, '_' and '-', like order.placed (at most 200 characters)."];
        if (request.Description?.Length > 1000) errors["$.description"] = ["description must be at most 1000 characters."];
        if (errors.Count > 0) return Problems.Validation(errors);
        if (await Compile(request.Schema, request.Example) is { } invalid) return invalid;
        if (await db.EventTypes.AnyAsync(t => t.Name == request.Name))
            return Problems.Conflict($"The event type '{request.Name}' exists already; PUT a new schema version to change it.");

        var now = time.GetUtcNow();
        var type = new EventType
        {
            Name = request.Name!,
            Description = request.Description,
            CurrentVersion = 1,
            CreatedAt = now,
            UpdatedAt = now,
            Versions = [NewVersion(request.Name!, 1, request.Schema!.Value, request.Example, now)],
        };
        db.EventTypes.Add(type);
        try { await db.SaveChangesAsync(); }
        catch (DbUpdateException e) when (e.InnerException is Npgsql.PostgresException { SqlState: "23505" })
        {
            return Problems.Conflict($"The event type '{request.Name}' exists already; PUT a new schema version to change it.");
        }
        registry.Invalidate(type.Name);
        return TypedResults.Created($"/api/v1/event-types/{type.Name}", EventTypeResponse.From(type, withHistory: true));
    }

    private static async Task<Results<Ok<Page<EventTypeResponse>>, ValidationProblem>> List(WebhooksDb db, int? limit, string? cursor, bool? includeArchived)
    {
        var page = PageRequest.Parse(limit, cursor, out var errors);
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

    private static async Task<Results<Ok<EventTypeResponse>, ProblemHttpResult>> Get(string name, WebhooksDb db)
    {
        var type = await db.EventTypes.AsNoTracking().Include(t => t.Versions).FirstOrDefaultAsync(t => t.Name == name);
        return type is null ? Problems.NotFound($"The event type '{name}'") : TypedResults.Ok(EventTypeResponse.From(type, withHistory: true));
    }

    private static async Task<Results<Ok<EventTypeResponse>, ValidationProblem, ProblemHttpResult>> Update(
        string name, UpdateEventType request, WebhooksDb db, SchemaRegistry registry, TimeProvider time)
    {
        if (request.Description?.Length > 1000) return Problems.Validation("$.description", "description must be at most 1000 characters.");
        if (await Compile(request.Schema, request.Example) is { } invalid) return invalid;
        await using var transaction = await db.Database.BeginTransactionAsync();
        var type = await db.EventTypes.FromSql($"SELECT * FROM event_types WHERE name = {name} FOR UPDATE").FirstOrDefaultAsync();
        if (type is null) return Problems.NotFound($"The event type '{name}'");
        var now = time.GetUtcNow();
        type.CurrentVersion++;
        type.Description = request.Description ?? type.Description;
        type.ArchivedAt = null;
        type.UpdatedAt = now;
        db.EventTypeVersions.Add(NewVersion(name, type.CurrentVersion, request.Schema!.Value, request.Example, now));
        await db.SaveChangesAsync();
        await transaction.CommitAsync();
        registry.Invalidate(name);
        await db.Entry(type).Collection(t => t.Versions).LoadAsync();
        return TypedResults.Ok(EventTypeResponse.From(type, withHistory: true));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Archive(string name, WebhooksDb db, SchemaRegistry registry, TimeProvider time)
    {
        var now = time.GetUtcNow();
        var archived = await db.EventTypes.Where(t => t.Name == name && t.ArchivedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(t => t.ArchivedAt, now).SetProperty(t => t.UpdatedAt, now));
        if (archived == 0 && !await db.EventTypes.AnyAsync(t => t.Name == name)) return Problems.NotFound($"The event type '{name}'");
        registry.Invalidate(name);
        return TypedResults.NoContent();
    }

    /// <summary>Compiles the schema and checks the example against it; a problem when either fails.</summary>
    private static async Task<ProblemHttpResult?> Compile(JsonElement? schema, JsonElement? example)
    {
        if (schema is not { ValueKind: JsonValueKind.Object })
            return Problems.Unprocessable("invalid-schema", "The schema is not valid.", "schema must be a JSON Schema object.",
                new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["$.schema"] = ["schema must be a JSON object."] } });
        var compiled = await SchemaCompiler.CompileAsync(schema.Value.GetRawText());
        if (compiled.Error is { } error)
            return Problems.Unprocessable("invalid-schema", "The schema is not valid.", error,
                new Dictionary<string, object?> { ["errors"] = new Dictionary<string, string[]> { ["$.schema"] = [error] } });
        if (example is { ValueKind: not JsonValueKind.Undefined and not JsonValueKind.Null } e
            && SchemaCompiler.Validate(compiled.Schema!, e.GetRawText()) is { Count: > 0 } failures)
            return Problems.Unprocessable("invalid-example", "The example does not match the schema.", "example fails the schema.",
                new Dictionary<string, object?> { ["errors"] = failures.ToDictionary(f => "$.example" + f.Key[1..], f => f.Value) });
        return null;
    }

    private static EventTypeVersion NewVersion(string name, int version, JsonElement schema, JsonElement? example, DateTimeOffset now) => new()
    {
        EventType = name,
        Version = version,
        Schema = schema.GetRawText(),
        Example = example is { ValueKind: not JsonValueKind.Undefined and not JsonValueKind.Null } e ? e.GetRawText() : null,
        CreatedAt = now,
    };
}
