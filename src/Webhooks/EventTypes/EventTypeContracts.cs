using System.Text.Json;

namespace Webhooks.EventTypes;

public sealed record CreateEventType(string? Name, string? Description, JsonElement? Schema, JsonElement? Example);
public sealed record UpdateEventType(string? Description, JsonElement? Schema, JsonElement? Example);

public sealed record EventTypeVersionResponse(int Version, JsonElement Schema, JsonElement? Example, DateTimeOffset CreatedAt);

public sealed record EventTypeResponse(
    string Name, string? Description, int Version, JsonElement Schema, JsonElement? Example, bool Archived,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyList<EventTypeVersionResponse>? Versions)
{
    public static EventTypeResponse From(EventType type, bool withHistory)
    {
        var versions = type.Versions.OrderByDescending(v => v.Version).Select(v =>
            new EventTypeVersionResponse(v.Version, Parse(v.Schema), v.Example is null ? null : Parse(v.Example), v.CreatedAt)).ToList();
        var current = versions.First(v => v.Version == type.CurrentVersion);
        return new(type.Name, type.Description, type.CurrentVersion, current.Schema, current.Example, type.ArchivedAt is not null,
            type.CreatedAt, type.UpdatedAt, withHistory ? versions : null);
    }

    private static JsonElement Parse(string json) => JsonDocument.Parse(json).RootElement;
}
