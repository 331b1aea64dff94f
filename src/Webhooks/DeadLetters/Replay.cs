namespace Webhooks.DeadLetters;

/// <summary>The audit record of one replay, single or bulk, or of one discard of dead letters (<see cref="Action"/>).</summary>
public sealed class Replay
{
    public Guid Id { get; set; }
    public required string RequestedBy { get; set; }
    public required string Filter { get; set; }
    public int Count { get; set; }
    /// <summary><see cref="Replayed"/> or <see cref="Discarded"/>.</summary>
    public string Action { get; set; } = Replayed;
    public DateTimeOffset CreatedAt { get; set; }

    public const string Replayed = "replay";
    public const string Discarded = "discard";
}
