using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Webhooks.Auth;
using Webhooks.Common;
using Webhooks.Data;
using Webhooks.Delivery;

namespace Webhooks.Partners;

/// <summary>Creates and removes partners; the API and the UI both change them here.</summary>
public sealed class PartnerService(WebhooksDb db, TimeProvider time, IMemoryCache cache)
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

    /// <summary>Removes the partner: its keys are revoked, its UI users removed, its subscriptions deleted and their unsent deliveries discarded.</summary>
    public async Task<Failure?> DeleteAsync(Guid id)
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
        var subscriptions = db.Subscriptions.Where(s => s.PartnerId == id && s.DeletedAt == null);
        await db.Deliveries
            .Where(d => subscriptions.Any(s => s.Id == d.SubscriptionId) && (d.Status == DeliveryStatus.Pending || d.Status == DeliveryStatus.Paused))
            .ExecuteUpdateAsync(u => u.SetProperty(d => d.Status, DeliveryStatus.Discarded).SetProperty(d => d.UpdatedAt, now));
        await subscriptions.ExecuteUpdateAsync(u => u.SetProperty(s => s.DeletedAt, now).SetProperty(s => s.Enabled, false));
        await transaction.CommitAsync();
        foreach (var key in keys) ApiKeyAuthentication.Forget(cache, key.Hash);
        return null;
    }
}
