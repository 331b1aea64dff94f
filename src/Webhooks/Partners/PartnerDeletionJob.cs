using Hangfire;
using Webhooks.Data;
using Webhooks.Delivery;
using Webhooks.Jobs;
using Webhooks.Subscriptions;

namespace Webhooks.Partners;

/// <summary>The Hangfire job that finishes a partner's removal by discarding what its subscriptions had not sent; a rerun just goes on.</summary>
public sealed class PartnerDeletionJob(WebhooksDb db, AdminJobs jobs, UnsentDeliveries unsent)
{
    public const string Kind = "partner-delete";

    public sealed record Arguments(Guid PartnerId)
    {
        /// <summary>The subscriptions whose unsent deliveries the job discards.</summary>
        public IQueryable<Subscription> Subscriptions(WebhooksDb db) => db.Subscriptions.Where(s => s.PartnerId == PartnerId);
    }

    [JobDisplayName("Partner removal {0}")]
    [AutomaticRetry(Attempts = 5, DelaysInSeconds = [2, 10, 30, 60, 300])]
    public async Task RunAsync(Guid jobId, CancellationToken cancellationToken)
    {
        var (arguments, _, _) = await jobs.LoadAsync<Arguments>(jobId, cancellationToken);
        await unsent.DiscardAsync(jobId, arguments.Subscriptions(db), cancellationToken);
    }
}
