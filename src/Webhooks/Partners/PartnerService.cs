using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Webhooks.Auth;
using Webhooks.Common;
using Webhooks.Data;
using Webhooks.Delivery;
using Webhooks.Jobs;

namespace Webhooks.Partners;

/// <summary>Creates and removes partners; the API and the UI both change them here.</summary>
public sealed class PartnerService(WebhooksDb db, AdminJobs jobs, UnsentDeliveries unsent, TimeProvider time, IMemoryCache cache)
{
    public async Task<Outcome<Partner>> CreateAsync(string? name)
    {
        name = name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200)
            return Failure.Validation("$.name", "name is required, at most 200 characters.");
        var partner = new Partner { Id = Guid.CreateVersion7(), Name = name, CreatedAt = time.GetUtcNow() };
        db.Partners.Add(partner);
        await db.SaveChangesAsync();
        return partner;
    }

    public Task<Partner?> FindAsync(Guid id) => db.Partners.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id && p.DeletedAt == null);

    /// <summary>
    /// Removes the partner: its keys are revoked, its UI users removed and its subscriptions deleted at once; the
    /// deliveries they had not sent yet are discarded by a job (<see cref="PartnerDeletionJob"/>), a batch at a time.
    /// </summary>
    public async Task<Outcome<PartnerRemoval>> DeleteAsync(Guid id, Caller caller)
    {
        await using var transaction = await db.Database.BeginTransactionAsync();
        var partner = await db.Partners.FirstOrDefaultAsync(p => p.Id == id && p.DeletedAt == null);
        if (partner is null) return Failure.NotFound("The partner");
        var now = time.GetUtcNow();
        partner.DeletedAt = now;
        var keys = await db.ApiKeys.Where(k => k.PartnerId == id && k.RevokedAt == null).ToListAsync();
        foreach (var key in keys) key.RevokedAt = now;
        await db.SaveChangesAsync();
        await db.UiUsers.Where(u => u.PartnerId == id).ExecuteDeleteAsync();
        var arguments = new PartnerDeletionJob.Arguments(id);
        var count = await unsent.Of(arguments.Subscriptions(db)).LongCountAsync();
        await db.Subscriptions.Where(s => s.PartnerId == id && s.DeletedAt == null)
            .ExecuteUpdateAsync(u => u.SetProperty(s => s.DeletedAt, now).SetProperty(s => s.Enabled, false));
        var job = await jobs.AddAsync<PartnerDeletionJob>(PartnerDeletionJob.Kind, caller, count, arguments,
            jobId => j => j.RunAsync(jobId, CancellationToken.None));
        await transaction.CommitAsync();
        foreach (var key in keys) ApiKeyAuthentication.Forget(cache, key.Hash);
        jobs.Start(job);
        return new PartnerRemoval(id, job.Id);
    }
}

/// <summary>DELETE /api/v1/partners/{id}: the partner is gone; the job discards what it had not been sent yet.</summary>
public sealed record PartnerRemoval(Guid PartnerId, Guid JobId);
