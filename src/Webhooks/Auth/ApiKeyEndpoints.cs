using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Webhooks.Common;
using Webhooks.Data;

namespace Webhooks.Auth;

public sealed record CreateApiKey(string? Name, string[]? Scopes);
public sealed record CreatedApiKey(Guid Id, string Key, string Prefix, string Name, string[] Scopes, Guid? PartnerId, DateTimeOffset CreatedAt);
public sealed record ApiKeyResponse(Guid Id, string Prefix, string Name, string[] Scopes, Guid? PartnerId, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt)
{
    public static ApiKeyResponse From(ApiKey k) => new(k.Id, k.Prefix, k.Name, k.Scopes, k.PartnerId, k.CreatedAt, k.RevokedAt);
}

/// <summary>Admin and ingest keys under /api/v1/api-keys; partner keys under /api/v1/partners/{id}/api-keys.</summary>
public static class ApiKeyEndpoints
{
    public static RouteGroupBuilder MapApiKeyEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/api-keys").WithTags("API keys").RequireAuthorization(AuthSetup.AdminPolicy);
        group.MapPost("/", Create);
        group.MapGet("/", List);
        group.MapDelete("/{id:guid}", Revoke);
        return group;
    }

    private static async Task<Results<Created<CreatedApiKey>, ValidationProblem, ProblemHttpResult>> Create(CreateApiKey request, WebhooksDb db, TimeProvider time)
    {
        string[] scopes = request.Scopes ?? [];
        if (scopes.Length == 0 || scopes.Any(s => s is not (Scopes.Admin or Scopes.Ingest)))
            return Problems.Validation("$.scopes", "scopes must list 'admin' and/or 'ingest'; partner keys are created under /api/v1/partners/{id}/api-keys.");
        return await Issue(db, time, request.Name, scopes.Distinct().ToArray(), null);
    }

    internal static async Task<Results<Created<CreatedApiKey>, ValidationProblem, ProblemHttpResult>> CreateForPartner(
        Guid id, CreateApiKey? request, WebhooksDb db, TimeProvider time)
    {
        if (!await db.Partners.AnyAsync(p => p.Id == id && p.DeletedAt == null)) return Problems.NotFound("The partner");
        return await Issue(db, time, request?.Name, [Scopes.Partner], id);
    }

    private static async Task<Results<Created<CreatedApiKey>, ValidationProblem, ProblemHttpResult>> Issue(WebhooksDb db, TimeProvider time, string? name, string[] scopes, Guid? partnerId)
    {
        name = string.IsNullOrWhiteSpace(name) ? string.Join('+', scopes) + " key" : name.Trim();
        if (name.Length > 200) return Problems.Validation("$.name", "name must be at most 200 characters.");
        var key = ApiKeys.Generate();
        var apiKey = ApiKeys.Create(key, name, scopes, partnerId, time.GetUtcNow());
        db.ApiKeys.Add(apiKey);
        await db.SaveChangesAsync();
        return TypedResults.Created($"/api/v1/api-keys/{apiKey.Id}",
            new CreatedApiKey(apiKey.Id, key, apiKey.Prefix, apiKey.Name, apiKey.Scopes, partnerId, apiKey.CreatedAt));
    }

    private static async Task<Results<Ok<Page<ApiKeyResponse>>, ValidationProblem>> List(WebhooksDb db, int? limit, string? cursor) =>
        await Page(db.ApiKeys.Where(k => k.PartnerId == null), limit, cursor);

    internal static async Task<Results<Ok<Page<ApiKeyResponse>>, ValidationProblem>> ListForPartner(Guid id, WebhooksDb db, int? limit, string? cursor) =>
        await Page(db.ApiKeys.Where(k => k.PartnerId == id), limit, cursor);

    private static async Task<Results<Ok<Page<ApiKeyResponse>>, ValidationProblem>> Page(IQueryable<ApiKey> keys, int? limit, string? cursor)
    {
        var page = PageRequest.Parse(limit, cursor, out var errors);
        if (errors.Count > 0) return Problems.Validation(errors);
        if (page.AfterId is { } after) keys = keys.Where(k => k.Id < after);
        var rows = await keys.AsNoTracking().OrderByDescending(k => k.Id).Take(page.Limit + 1).ToListAsync();
        return TypedResults.Ok(page.ToPage(rows, k => k.Id.ToString(), ApiKeyResponse.From));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Revoke(Guid id, WebhooksDb db, TimeProvider time, IMemoryCache cache)
    {
        var key = await db.ApiKeys.FirstOrDefaultAsync(k => k.Id == id && k.RevokedAt == null);
        if (key is null) return Problems.NotFound("The API key");
        key.RevokedAt = time.GetUtcNow();
        await db.SaveChangesAsync();
        ApiKeyAuthentication.Forget(cache, key.Hash);
        return TypedResults.NoContent();
    }
}
