namespace Webhooks.DeadLetters;

/// <summary>The audit record of one replay, single or bulk.</summary>
public sealed class Replay
{
    public Guid Id { get; set; }
    public required string RequestedBy { get; set; }
    public required string Filter { get; set; }
    public int Count { get; set; }
    public DateTimeOffset CreatedAt { get; set; }
}
