using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Webhooks.Common;
using Webhooks.Data;

namespace Webhooks.Auth;

/// <summary>Issues and revokes API keys; the key itself exists only in the answer to its creation.</summary>
public sealed class ApiKeyService(WebhooksDb db, TimeProvider time, IMemoryCache cache)
{
    public async Task<Outcome<CreatedApiKey>> IssueAsync(string? name, string[]? scopes)
    {
        scopes ??= [];
        if (scopes.Length == 0 || scopes.Any(s => s is not (Scopes.Admin or Scopes.Ingest)))
            return Failure.Validation("$.scopes", "scopes must list 'admin' and/or 'ingest'; partner keys are created under /api/v1/partners/{id}/api-keys.");
        return await IssueAsync(name, scopes.Distinct().ToArray(), null);
    }

    public async Task<Outcome<CreatedApiKey>> IssueForPartnerAsync(Guid partnerId, string? name)
    {
        if (!await db.Partners.AnyAsync(p => p.Id == partnerId && p.DeletedAt == null)) return Failure.NotFound("The partner");
        return await IssueAsync(name, [Scopes.Partner], partnerId);
    }

    /// <summary>Revokes a live key (only one of this partner's when partnerId is given).</summary>
    public async Task<Failure?> RevokeAsync(Guid id, Guid? partnerId = null)
    {
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == id && k.RevokedAt == null && (partnerId == null || k.PartnerId == partnerId));
        if (key is null) return Failure.NotFound("The API key");
        key.RevokedAt = time.GetUtcNow();
        await db.SaveChangesAsync();
        ApiKeyAuthentication.Forget(cache, key.Hash);
        return null;
    }

    private async Task<Outcome<CreatedApiKey>> IssueAsync(string? name, string[] scopes, Guid? partnerId)
    {
        name = string.IsNullOrWhiteSpace(name) ? string.Join('+', scopes) + " key" : name.Trim();
        if (name.Length > 200) return Failure.Validation("$.name", "name must be at most 200 characters.");
        var key = ApiKeys.Generate();
        var apiKey = ApiKeys.Create(key, name, scopes, partnerId, time.GetUtcNow());
        db.ApiKeys.Add(apiKey);
        await db.SaveChangesAsync();
        return new CreatedApiKey(apiKey.Id, key, apiKey.Prefix, apiKey.Name, apiKey.Scopes, partnerId, apiKey.CreatedAt);
    }
}
