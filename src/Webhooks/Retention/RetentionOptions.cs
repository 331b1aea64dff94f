using Microsoft.Extensions.Options;
using Webhooks.Ingest;

namespace Webhooks.Retention;

public sealed class RetentionOptions
{
    public const string Section = "Webhooks:Retention";

    /// <summary>When false, the Retention and IdempotencyKeys jobs are not scheduled.</summary>
    public bool Enabled { get; set; } = true;
    /// <summary>Events, with their deliveries and attempts, are removed this many days after they were created.</summary>
    public int Days { get; set; } = 30;
    /// <summary>An event with a dead or paused delivery that changed within this many days is kept.</summary>
    public int DeadDays { get; set; } = 90;
    public int BatchSize { get; set; } = 2000;
    /// <summary>Rest between batches, so a long purge leaves room for ingest, delivery and autovacuum.</summary>
    public TimeSpan BatchPause { get; set; } = TimeSpan.FromMilliseconds(100);
}

internal sealed class RetentionOptionsValidator(IOptions<IngestOptions> ingest) : IValidateOptions<RetentionOptions>
{
    public ValidateOptionsResult Validate(string? name, RetentionOptions o)
    {
        var errors = new List<string>();
        if (o.Days is < 1 or > 36_500)
            errors.Add($"{RetentionOptions.Section}:Days must be between 1 and 36500 (was {o.Days}).");
        // A repeated Idempotency-Key answers with the original event, so the event must outlive the key.
        if (o.Days >= 1 && TimeSpan.FromDays(o.Days) < ingest.Value.IdempotencyWindow)
            errors.Add($"{RetentionOptions.Section}:Days must cover {IngestOptions.Section}:IdempotencyWindow ({ingest.Value.IdempotencyWindow}) (was {o.Days}).");
        if (o.DeadDays < o.Days || o.DeadDays > 36_500)
            errors.Add($"{RetentionOptions.Section}:DeadDays must be at least {RetentionOptions.Section}:Days ({o.Days}) and at most 36500 (was {o.DeadDays}).");
        if (o.BatchSize is < 10 or > 50_000)
            errors.Add($"{RetentionOptions.Section}:BatchSize must be between 10 and 50000 (was {o.BatchSize}).");
        if (o.BatchPause < TimeSpan.Zero || o.BatchPause > TimeSpan.FromMinutes(1))
            errors.Add($"{RetentionOptions.Section}:BatchPause must be between 00:00:00 and 00:01:00 (was {o.BatchPause}).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
