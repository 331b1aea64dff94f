using Microsoft.EntityFrameworkCore;
using Webhooks.Data;
using Webhooks.Jobs;

namespace Webhooks.Delivery;

/// <summary>
/// The body of the jobs that finish a removal (a partner's, a subscription's): the deliveries it had not sent yet are
/// discarded a committed batch at a time, each batch with its job's progress, so a rerun after a crash goes on from there.
/// </summary>
public sealed class UnsentDeliveries(WebhooksDb db, AdminJobs jobs, TimeProvider time)
{
    private const int Batch = 1000;

    /// <summary>The pending and paused deliveries of the subscriptions <paramref name="subscriptions"/> selects.</summary>
    public IQueryable<DeliveryRecord> Of(IQueryable<Subscriptions.Subscription> subscriptions) =>
        db.Deliveries.Where(d => subscriptions.Any(s => s.Id == d.SubscriptionId)
                                 && (d.Status == DeliveryStatus.Pending || d.Status == DeliveryStatus.Paused));

    public async Task DiscardAsync(Guid jobId, IQueryable<Subscriptions.Subscription> subscriptions, CancellationToken cancellationToken)
    {
        while (true)
        {
            await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
            var batch = Of(subscriptions).OrderBy(d => d.Id).Select(d => d.Id).Take(Batch);
            var discarded = await db.Deliveries.Where(d => batch.Contains(d.Id))
                .ExecuteUpdateAsync(u => u.SetProperty(d => d.Status, DeliveryStatus.Discarded).SetProperty(d => d.UpdatedAt, time.GetUtcNow()), cancellationToken);
            await jobs.AdvanceAsync(jobId, discarded, null, cancellationToken);
            await transaction.CommitAsync(cancellationToken);
            if (discarded < Batch) break;
        }
        await jobs.FinishAsync(jobId, cancellationToken);
    }
}
