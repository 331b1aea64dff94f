using Hangfire;

namespace Webhooks.DeadLetters;

/// <summary>The Hangfire job of a bulk replay; resumable, so a failed or interrupted run is simply run again.</summary>
public sealed class BulkReplayJob(ReplayService replays)
{
    public const string Kind = "replay";

    [JobDisplayName("Bulk replay {0}")]
    [AutomaticRetry(Attempts = 5, DelaysInSeconds = [2, 10, 30, 60, 300])]
    public Task RunAsync(Guid jobId, CancellationToken cancellationToken) => replays.RunReplayAsync(jobId, cancellationToken);
}
