using System.Runtime.InteropServices;
using System.Text.Json;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Webhooks.Common;
using Webhooks.Data;
using Webhooks.Security;

namespace Webhooks.EventTypes;

/// <summary>Registers event types and their schema versions; the API and the UI both change them here.</summary>
public sealed class EventTypeService(WebhooksDb db, SchemaRegistry registry, TimeProvider time, IOptions<LimitsOptions> limits)
{
    public const int MaxDescription = 1000;

    public Task<EventType?> FindAsync(string name) =>
        db.EventTypes.AsNoTracking().Include(t => t.Versions).FirstOrDefaultAsync(t => t.Name == name);

    public async Task<Outcome<EventType>> CreateAsync(string? name, string? description, JsonElement? schema, JsonElement? example)
    {
        var errors = new Dictionary<string, string[]>();
        if (!EventTypeNames.IsValid(name))
            errors["$.name"] = ["name must be dot-separated segments of letters, digits, '_' and '-', like order.placed (at most 200 characters)."];
        if (description?.Length > MaxDescription) errors["$.description"] = ["description must be at most 1000 characters."];
        if (errors.Count > 0) return Failure.Validation(errors);
        if ((TooLarge(schema) ?? await CompileAsync(schema, example)) is { } invalid) return invalid;
        if (await db.EventTypes.AnyAsync(t => t.Name == name)) return Exists(name!);

        var now = time.GetUtcNow();
        var type = new EventType
        {
            Name = name!,
            Description = description,
            CurrentVersion = 1,
            CreatedAt = now,
            UpdatedAt = now,
            Versions = [NewVersion(name!, 1, schema!.Value, example, now)],
        };
        db.EventTypes.Add(type);
        try { await db.SaveChangesAsync(); }
        catch (DbUpdateException e) when (e.InnerException is Npgsql.PostgresException { SqlState: "23505" })
        {
            return Exists(name!);
        }
        registry.Invalidate(type.Name);
        return type;
    }

    /// <summary>A new schema version; the old ones are kept. Un-archives the type.</summary>
    public async Task<Outcome<EventType>> UpdateAsync(string name, string? description, JsonElement? schema, JsonElement? example)
    {
        if (description?.Length > MaxDescription) return Failure.Validation("$.description", "description must be at most 1000 characters.");
        if ((TooLarge(schema) ?? await CompileAsync(schema, example)) is { } invalid) return invalid;
        await using var transaction = await db.Database.BeginTransactionAsync();
        var type = await db.EventTypes.FromSql($"SELECT * FROM event_types WHERE name = {name} FOR UPDATE").FirstOrDefaultAsync();
        if (type is null) return Failure.NotFound($"The event type '{name}'");
        var now = time.GetUtcNow();
        type.CurrentVersion++;
        type.Description = description ?? type.Description;
        type.ArchivedAt = null;
        type.UpdatedAt = now;
        db.EventTypeVersions.Add(NewVersion(name, type.CurrentVersion, schema!.Value, example, now));
        await db.SaveChangesAsync();
        await transaction.CommitAsync();
        registry.Invalidate(name);
        await db.Entry(type).Collection(t => t.Versions).LoadAsync();
        return type;
    }

    /// <summary>New events of an archived type are rejected; null when archived (or archived already).</summary>
    public async Task<Failure?> ArchiveAsync(string name)
    {
        var now = time.GetUtcNow();
        var archived = await db.EventTypes.Where(t => t.Name == name && t.ArchivedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(t => t.ArchivedAt, now).SetProperty(t => t.UpdatedAt, now));
        if (archived == 0 && !await db.EventTypes.AnyAsync(t => t.Name == name)) return Failure.NotFound($"The event type '{name}'");
        registry.Invalidate(name);
        return null;
    }

    /// <summary>Every key reads every version of every schema: their size is bounded.</summary>
    private Failure? TooLarge(JsonElement? schema)
    {
        var limit = limits.Value.SchemaBytes;
        if (schema is not { } s || JsonMarshal.GetRawUtf8Value(s).Length <= limit) return null;
        var message = $"schema may have at most {limit} bytes of JSON; this one has {JsonMarshal.GetRawUtf8Value(s).Length}.";
        return Failure.Unprocessable("invalid-schema", "The schema is not valid.", message, new() { ["$.schema"] = [message] });
    }

    /// <summary>Compiles the schema and checks the example against it; the failure when either fails.</summary>
    public static async Task<Failure?> CompileAsync(JsonElement? schema, JsonElement? example)
    {
        if (schema is not { ValueKind: JsonValueKind.Object })
            return Failure.Unprocessable("invalid-schema", "The schema is not valid.", "schema must be a JSON Schema object.",
                new() { ["$.schema"] = ["schema must be a JSON object."] });
        // The API refuses these while reading the body; the UI parses the text boxes itself.
        if (StrictJson.Check(schema.Value) is { } ambiguous)
            return Failure.Unprocessable("invalid-schema", "The schema is not valid.", ambiguous, new() { ["$.schema"] = [ambiguous] });
        if (example is { ValueKind: not JsonValueKind.Undefined } && StrictJson.Check(example.Value) is { } ambiguousExample)
            return Failure.Unprocessable("invalid-example", "The example is not valid.", ambiguousExample, new() { ["$.example"] = [ambiguousExample] });
        var compiled = await SchemaCompiler.CompileAsync(schema.Value.GetRawText());
        if (compiled.Error is { } error)
            return Failure.Unprocessable("invalid-schema", "The schema is not valid.", error, new() { ["$.schema"] = [error] });
        if (example is { ValueKind: not JsonValueKind.Undefined and not JsonValueKind.Null } e
            && SchemaCompiler.Validate(compiled.Schema!, e) is { Count: > 0 } failures)
            return Failure.Unprocessable("invalid-example", "The example does not match the schema.", "example fails the schema.",
                failures.ToDictionary(f => "$.example" + f.Key[1..], f => f.Value));
        return null;
    }

    private static Failure Exists(string name) =>
        Failure.Conflict($"The event type '{name}' exists already; PUT a new schema version to change it.");

    private static EventTypeVersion NewVersion(string name, int version, JsonElement schema, JsonElement? example, DateTimeOffset now) => new()
    {
        EventType = name,
        Version = version,
        Schema = schema.GetRawText(),
        Example = example is { ValueKind: not JsonValueKind.Undefined and not JsonValueKind.Null } e ? e.GetRawText() : null,
        CreatedAt = now,
    };
}
