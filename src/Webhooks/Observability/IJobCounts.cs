namespace Webhooks.Observability;

/// <summary>
/// The hook for background-job counts in the metrics (<c>webhooks.jobs</c>, by <c>state</c>). Register one
/// implementation (e.g. over the job scheduler's monitoring API: enqueued, scheduled, processing, failed,
/// succeeded...) and <see cref="DatabaseGauges"/> reads it with the other database-wide gauges.
/// </summary>
public interface IJobCounts
{
    Task<IReadOnlyDictionary<string, long>> CountByStateAsync(CancellationToken cancellationToken);
}
