using Webhooks.Jobs;

namespace Webhooks.Retention;

/// <summary>Recurring job Retention: events past Webhooks:Retention:Days go, with their deliveries and attempts.</summary>
internal sealed class RetentionJob(RetentionPurge purge) : IRecurringWork
{
    public string Name => "Retention";
    public string DefaultCron => "*/15 * * * *";
    public Task RunAsync(CancellationToken cancellationToken) => purge.PurgeEventsAsync(cancellationToken);
}

/// <summary>Recurring job IdempotencyKeys: keys past their window (Webhooks:Ingest:IdempotencyWindow) go.</summary>
internal sealed class IdempotencyKeysJob(RetentionPurge purge) : IRecurringWork
{
    public string Name => "IdempotencyKeys";
    public string DefaultCron => "*/15 * * * *";
    public Task RunAsync(CancellationToken cancellationToken) => purge.PurgeIdempotencyKeysAsync(cancellationToken);
}
