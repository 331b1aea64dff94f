namespace Webhooks.Ingest;

public sealed class Event
{
    public Guid Id { get; set; }
    public required string Type { get; set; }
    public Guid? PartnerId { get; set; }
    /// <summary>The payload exactly as posted (a PostgreSQL json column keeps the text as it is).</summary>
    public required string Payload { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
    /// <summary>The context attributes of an event that came in as a CloudEvent (a JSON object of strings); null for the native shape.</summary>
    public string? CloudEvent { get; set; }
}
