namespace Webhooks.EventTypes;

public sealed class EventType
{
    public required string Name { get; set; }
    public string? Description { get; set; }
    public int CurrentVersion { get; set; }
    public DateTimeOffset? ArchivedAt { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    public DateTimeOffset UpdatedAt { get; set; }
    public List<EventTypeVersion> Versions { get; set; } = [];
}

public sealed class EventTypeVersion
{
    public required string EventType { get; set; }
    public int Version { get; set; }
    public required string Schema { get; set; }
    public string? Example { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
