using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Caching.Memory;
using Webhooks.Auth;
using Webhooks.Common;
using Webhooks.Data;
using Webhooks.Delivery;

namespace Webhooks.Partners;

public sealed record CreatePartner(string? Name);
public sealed record PartnerResponse(Guid Id, string Name, DateTimeOffset CreatedAt)
{
    public static PartnerResponse From(Partner p) => new(p.Id, p.Name, p.CreatedAt);
}

public static class PartnerEndpoints
{
    public static RouteGroupBuilder MapPartnerEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/partners").WithTags("Partners");
        group.MapPost("/", Create).RequireAuthorization(AuthSetup.AdminPolicy);
        group.MapGet("/", List).RequireAuthorization(AuthSetup.AdminPolicy);
        // A partner key reads its own partner; Get hides the others.
        group.MapGet("/{id:guid}", Get).RequireAuthorization(AuthSetup.PartnerPolicy);
        group.MapDelete("/{id:guid}", Delete).RequireAuthorization(AuthSetup.AdminPolicy);
        group.MapPost("/{id:guid}/api-keys", ApiKeyEndpoints.CreateForPartner).RequireAuthorization(AuthSetup.AdminPolicy);
        group.MapGet("/{id:guid}/api-keys", ApiKeyEndpoints.ListForPartner).RequireAuthorization(AuthSetup.AdminPolicy);
        return group;
    }

    private static async Task<Results<Created<PartnerResponse>, ValidationProblem>> Create(CreatePartner request, WebhooksDb db, TimeProvider time)
    {
        var name = request.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200)
            return Problems.Validation("$.name", "name is required, at most 200 characters.");
        var partner = new Partner { Id = Guid.CreateVersion7(), Name = name, CreatedAt = time.GetUtcNow() };
        db.Partners.Add(partner);
        await db.SaveChangesAsync();
        return TypedResults.Created($"/api/v1/partners/{partner.Id}", PartnerResponse.From(partner));
    }

    private static async Task<Results<Ok<Page<PartnerResponse>>, ValidationProblem>> List(WebhooksDb db, int? limit, string? cursor)
    {
        var page = PageRequest.Parse(limit, cursor, out var errors);
        if (errors.Count > 0) return Problems.Validation(errors);
        var query = db.Partners.AsNoTracking().Where(p => p.DeletedAt == null);
        if (page.AfterId is { } after) query = query.Where(p => p.Id < after);
        var rows = await query.OrderByDescending(p => p.Id).Take(page.Limit + 1).ToListAsync();
        return TypedResults.Ok(page.ToPage(rows, p => p.Id.ToString(), PartnerResponse.From));
    }

    private static async Task<Results<Ok<PartnerResponse>, ProblemHttpResult>> Get(Guid id, WebhooksDb db, HttpContext context)
    {
        if (!context.Caller().CanSee(id)) return Problems.NotFound("The partner");
        var partner = await db.Partners.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id && p.DeletedAt == null);
        return partner is null ? Problems.NotFound("The partner") : TypedResults.Ok(PartnerResponse.From(partner));
    }

    /// <summary>Removes the partner: its keys are revoked, its subscriptions deleted and their unsent deliveries discarded.</summary>
    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(Guid id, WebhooksDb db, TimeProvider time, IMemoryCache cache)
    {
        await using var transaction = await db.Database.BeginTransactionAsync();
        var partner = await db.Partners.FirstOrDefaultAsync(p => p.Id == id && p.DeletedAt == null);
        if (partner is null) return Problems.NotFound("The partner");
        var now = time.GetUtcNow();
        partner.DeletedAt = now;
        var keys = await db.ApiKeys.Where(k => k.PartnerId == id && k.RevokedAt == null).ToListAsync();
        foreach (var key in keys) key.RevokedAt = now;
        await db.SaveChangesAsync();
        var subscriptions = db.Subscriptions.Where(s => s.PartnerId == id && s.DeletedAt == null);
        await db.Deliveries
            .Where(d => subscriptions.Any(s => s.Id == d.SubscriptionId) && (d.Status == DeliveryStatus.Pending || d.Status == DeliveryStatus.Paused))
            .ExecuteUpdateAsync(u => u.SetProperty(d => d.Status, DeliveryStatus.Discarded).SetProperty(d => d.UpdatedAt, now));
        await subscriptions.ExecuteUpdateAsync(u => u.SetProperty(s => s.DeletedAt, now).SetProperty(s => s.Enabled, false));
        await transaction.CommitAsync();
        foreach (var key in keys) ApiKeyAuthentication.Forget(cache, key.Hash);
        return TypedResults.NoContent();
    }
}
