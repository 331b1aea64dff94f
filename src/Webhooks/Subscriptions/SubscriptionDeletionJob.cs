using Hangfire;
using Webhooks.Data;
using Webhooks.Delivery;
using Webhooks.Jobs;

namespace Webhooks.Subscriptions;

/// <summary>The Hangfire job that finishes a subscription's removal by discarding what it had not sent; a rerun just goes on.</summary>
public sealed class SubscriptionDeletionJob(WebhooksDb db, AdminJobs jobs, UnsentDeliveries unsent)
{
    public const string Kind = "subscription-delete";

    public sealed record Arguments(Guid SubscriptionId)
    {
        /// <summary>The subscription whose unsent deliveries the job discards.</summary>
        public IQueryable<Subscription> Subscriptions(WebhooksDb db) => db.Subscriptions.Where(s => s.Id == SubscriptionId);
    }

    [JobDisplayName("Subscription removal {0}")]
    [AutomaticRetry(Attempts = 5, DelaysInSeconds = [2, 10, 30, 60, 300])]
    public async Task RunAsync(Guid jobId, CancellationToken cancellationToken)
    {
        var (arguments, _, _) = await jobs.LoadAsync<Arguments>(jobId, cancellationToken);
        await unsent.DiscardAsync(jobId, arguments.Subscriptions(db), cancellationToken);
    }
}
