using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Webhooks.Auth;
using Webhooks.Common;
using Webhooks.Data;

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
        group.MapPost("/", Create).RequireAuthorization(AuthSetup.AdminPolicy)
            .WithName("createPartner").WithSummary("Add a partner");
        group.MapGet("/", List).RequireAuthorization(AuthSetup.AdminPolicy)
            .WithName("listPartners").WithSummary("List partners");
        // A partner key reads its own partner; Get hides the others.
        group.MapGet("/{id:guid}", Get).RequireAuthorization(AuthSetup.PartnerPolicy)
            .WithName("getPartner").WithSummary("Get a partner").ProducesProblems("not-found");
        group.MapDelete("/{id:guid}", Delete).RequireAuthorization(AuthSetup.AdminPolicy)
            .WithName("deletePartner").WithSummary("Remove a partner, its keys and its subscriptions; a job discards their unsent deliveries").ProducesProblems("not-found");
        group.MapPost("/{id:guid}/api-keys", ApiKeyEndpoints.CreateForPartner).RequireAuthorization(AuthSetup.AdminPolicy)
            .WithName("createPartnerApiKey").WithSummary("Create a partner-scoped API key (shown once)").ProducesProblems("validation", "not-found");
        group.MapGet("/{id:guid}/api-keys", ApiKeyEndpoints.ListForPartner).RequireAuthorization(AuthSetup.AdminPolicy)
            .WithName("listPartnerApiKeys").WithSummary("List a partner's API keys");
        return group;
    }

    private static async Task<Results<Created<PartnerResponse>, ValidationProblem>> Create(CreatePartner request, PartnerService partners)
    {
        var outcome = await partners.CreateAsync(request.Name);
        if (outcome.Failure is { } f) return Problems.Validation(f);
        return TypedResults.Created($"/api/v1/partners/{outcome.Value!.Id}", PartnerResponse.From(outcome.Value));
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

    /// <summary>Removes the partner at once; a job discards its unsent deliveries (GET /api/v1/jobs/{jobId}).</summary>
    private static async Task<Results<Accepted<PartnerRemoval>, ProblemHttpResult>> Delete(Guid id, PartnerService partners, HttpContext context)
    {
        var outcome = await partners.DeleteAsync(id, context.Caller());
        return outcome.Failure is { } failure ? Problems.From(failure) : TypedResults.Accepted($"/api/v1/jobs/{outcome.Value!.JobId}", outcome.Value);
    }
}
