using Hangfire;
using Webhooks.Observability;

namespace Webhooks.Jobs;

/// <summary>Jobs by state for the <c>webhooks.jobs</c> gauge, from Hangfire's statistics (read with the other database gauges, every SampleInterval).</summary>
internal sealed class HangfireJobCounts(JobStorage storage) : IJobCounts
{
    public Task<IReadOnlyDictionary<string, long>> CountByStateAsync(CancellationToken cancellationToken)
    {
        var s = storage.GetMonitoringApi().GetStatistics();
        IReadOnlyDictionary<string, long> counts = new Dictionary<string, long>
        {
            ["enqueued"] = s.Enqueued,
            ["scheduled"] = s.Scheduled,
            ["processing"] = s.Processing,
            ["succeeded"] = s.Succeeded,
            ["failed"] = s.Failed,
            ["deleted"] = s.Deleted,
            ["recurring"] = s.Recurring,
        };
        return Task.FromResult(counts);
    }
}
