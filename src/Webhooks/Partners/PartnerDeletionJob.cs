using Hangfire;

namespace Webhooks.Partners;

/// <summary>The Hangfire job that finishes a partner's removal; discarding is idempotent, so a rerun just goes on.</summary>
public sealed class PartnerDeletionJob(PartnerService partners)
{
    public const string Kind = "partner-delete";

    public sealed record Arguments(Guid PartnerId);

    [JobDisplayName("Partner removal {0}")]
    [AutomaticRetry(Attempts = 5, DelaysInSeconds = [2, 10, 30, 60, 300])]
    public Task RunAsync(Guid jobId, CancellationToken cancellationToken) => partners.DiscardUnsentAsync(jobId, cancellationToken);
}
