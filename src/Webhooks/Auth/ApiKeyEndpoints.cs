using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
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
        group.MapPost("/", Create).WithName("createApiKey").WithSummary("Create an admin or ingest API key (shown once)");
        group.MapGet("/", List).WithName("listApiKeys").WithSummary("List admin and ingest API keys");
        group.MapDelete("/{id:guid}", Revoke).WithName("revokeApiKey").WithSummary("Revoke an API key").ProducesProblems("not-found");
        return group;
    }

    private static async Task<Results<Created<CreatedApiKey>, ValidationProblem, ProblemHttpResult>> Create(CreateApiKey request, ApiKeyService keys) =>
        Answer(await keys.IssueAsync(request.Name, request.Scopes));

    internal static async Task<Results<Created<CreatedApiKey>, ValidationProblem, ProblemHttpResult>> CreateForPartner(
        Guid id, CreateApiKey? request, ApiKeyService keys) =>
        Answer(await keys.IssueForPartnerAsync(id, request?.Name));

    private static Results<Created<CreatedApiKey>, ValidationProblem, ProblemHttpResult> Answer(Outcome<CreatedApiKey> outcome)
    {
        if (outcome.Failure is { } f) return f.Kind == FailureKind.Validation ? Problems.Validation(f) : Problems.From(f);
        return TypedResults.Created($"/api/v1/api-keys/{outcome.Value!.Id}", outcome.Value);
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

    private static async Task<Results<NoContent, ProblemHttpResult>> Revoke(Guid id, ApiKeyService keys) =>
        await keys.RevokeAsync(id) is { } failure ? Problems.From(failure) : TypedResults.NoContent();
}
