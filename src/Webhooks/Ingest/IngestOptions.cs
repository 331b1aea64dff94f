using Microsoft.Extensions.Options;

namespace Webhooks.Ingest;

public sealed class IngestOptions
{
    public const string Section = "Webhooks:Ingest";

    public int MaxBodyBytes { get; set; } = 262_144;
    /// <summary>The batch endpoint's body limit; each event's payload in it is still held to MaxBodyBytes.</summary>
    public int MaxBatchBodyBytes { get; set; } = 8 * 1024 * 1024;
    public TimeSpan IdempotencyWindow { get; set; } = TimeSpan.FromDays(1);
    /// <summary>How many commits may be in flight at once; each carries every event that arrived meanwhile.</summary>
    public int Writers { get; set; } = 2;
    public int MaxEventsPerCommit { get; set; } = 2000;
    /// <summary>The longest a writer waits for more events, while they keep arriving, before it commits what it has; zero commits at once.</summary>
    public TimeSpan CommitDelay { get; set; } = TimeSpan.FromMilliseconds(1);
}

internal sealed class IngestOptionsValidator : IValidateOptions<IngestOptions>
{
    public ValidateOptionsResult Validate(string? name, IngestOptions o)
    {
        var errors = new List<string>();
        if (o.MaxBodyBytes is < 1024 or > 64 * 1024 * 1024)
            errors.Add($"{IngestOptions.Section}:MaxBodyBytes must be between 1024 and 67108864 (was {o.MaxBodyBytes}).");
        if (o.MaxBatchBodyBytes < o.MaxBodyBytes || o.MaxBatchBodyBytes > 256 * 1024 * 1024)
            errors.Add($"{IngestOptions.Section}:MaxBatchBodyBytes must be at least MaxBodyBytes and at most 268435456 (was {o.MaxBatchBodyBytes}).");
        if (o.IdempotencyWindow <= TimeSpan.Zero)
            errors.Add($"{IngestOptions.Section}:IdempotencyWindow must be positive (was {o.IdempotencyWindow}).");
        if (o.Writers is < 1 or > 32)
            errors.Add($"{IngestOptions.Section}:Writers must be between 1 and 32 (was {o.Writers}).");
        if (o.MaxEventsPerCommit is < 1 or > 50_000)
            errors.Add($"{IngestOptions.Section}:MaxEventsPerCommit must be between 1 and 50000 (was {o.MaxEventsPerCommit}).");
        if (o.CommitDelay < TimeSpan.Zero || o.CommitDelay > TimeSpan.FromMilliseconds(100))
            errors.Add($"{IngestOptions.Section}:CommitDelay must be between 00:00:00 and 00:00:00.1 (was {o.CommitDelay}).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
