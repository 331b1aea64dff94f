using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Webhooks.Auth;
using Webhooks.Common;
using Webhooks.Data;

namespace Webhooks.Subscriptions;

public static class SubscriptionEndpoints
{
    public static RouteGroupBuilder MapSubscriptionEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/subscriptions").WithTags("Subscriptions").RequireAuthorization(AuthSetup.PartnerPolicy);
        group.MapPost("/", Create).WithName("createSubscription").WithSummary("Subscribe an endpoint to event types").ProducesProblems("validation", "invalid-destination", "not-found");
        group.MapGet("/", List).WithName("listSubscriptions").WithSummary("List subscriptions with their health");
        group.MapGet("/{id:guid}", Get).WithName("getSubscription").WithSummary("Get a subscription").ProducesProblems("not-found");
        group.MapPatch("/{id:guid}", Update).WithName("updateSubscription").WithSummary("Change, disable or enable a subscription").ProducesProblems("validation", "invalid-destination", "not-found");
        group.MapDelete("/{id:guid}", Delete).WithName("deleteSubscription").WithSummary("Delete a subscription and discard its unsent deliveries").ProducesProblems("not-found");
        group.MapPost("/{id:guid}/verify", Verify).WithName("verifySubscriptionOwnership")
            .WithSummary("Run the endpoint ownership handshake again; on success its paused deliveries go out").ProducesProblems("not-found", "conflict");
        group.MapPost("/{id:guid}/rotate-secret", RotateSecret).WithName("rotateSubscriptionSecret").WithSummary("Rotate a subscription's signing secret").ProducesProblems("not-found");
        return group;
    }

    private static async Task<Results<Created<SubscriptionResponse>, ValidationProblem, ProblemHttpResult>> Create(
        CreateSubscription request, HttpContext context, SubscriptionService subscriptions)
    {
        var outcome = await subscriptions.CreateAsync(request, context.Caller());
        if (outcome.Failure is { } f) return f.Kind == FailureKind.Validation ? Problems.Validation(f) : Problems.From(f);
        var (subscription, secret) = outcome.Value!;
        return TypedResults.Created($"/api/v1/subscriptions/{subscription.Id}", SubscriptionResponse.From(subscription, secret));
    }

    private static async Task<Results<Ok<Page<SubscriptionResponse>>, ValidationProblem>> List(
        HttpContext context, WebhooksDb db, Guid? partnerId, int? limit, string? cursor)
    {
        var page = PageRequest.Parse(limit, cursor, out var errors);
        if (errors.Count > 0) return Problems.Validation(errors);
        var caller = context.Caller();
        var query = db.Subscriptions.AsNoTracking().Where(s => s.DeletedAt == null);
        if (!caller.IsAdmin) query = query.Where(s => s.PartnerId == caller.PartnerId);
        if (partnerId is not null) query = query.Where(s => s.PartnerId == partnerId);
        if (page.AfterId is { } after) query = query.Where(s => s.Id < after);
        var rows = await query.OrderByDescending(s => s.Id).Take(page.Limit + 1).ToListAsync();
        return TypedResults.Ok(page.ToPage(rows, s => s.Id.ToString(), s => SubscriptionResponse.From(s)));
    }

    private static async Task<Results<Ok<SubscriptionResponse>, ProblemHttpResult>> Get(Guid id, HttpContext context, SubscriptionService subscriptions)
    {
        var subscription = await subscriptions.FindAsync(id, context.Caller());
        return subscription is null ? Problems.NotFound("The subscription") : TypedResults.Ok(SubscriptionResponse.From(subscription));
    }

    private static async Task<Results<Ok<SubscriptionResponse>, ValidationProblem, ProblemHttpResult>> Update(
        Guid id, UpdateSubscription request, HttpContext context, SubscriptionService subscriptions)
    {
        var outcome = await subscriptions.UpdateAsync(id, request, context.Caller());
        if (outcome.Failure is { } f) return f.Kind == FailureKind.Validation ? Problems.Validation(f) : Problems.From(f);
        return TypedResults.Ok(SubscriptionResponse.From(outcome.Value!));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(Guid id, HttpContext context, SubscriptionService subscriptions) =>
        await subscriptions.DeleteAsync(id, context.Caller()) is { } failure ? Problems.From(failure) : TypedResults.NoContent();

    /// <summary>The subscription after the handshake: <c>verification.state</c> says whether it passed and <c>verification.error</c> why not.</summary>
    private static async Task<Results<Ok<SubscriptionResponse>, ProblemHttpResult>> Verify(Guid id, HttpContext context, SubscriptionService subscriptions)
    {
        var outcome = await subscriptions.VerifyAsync(id, context.Caller(), context.RequestAborted);
        if (outcome.Failure is { } f) return Problems.From(f);
        return TypedResults.Ok(SubscriptionResponse.From(outcome.Value!));
    }

    /// <summary>A new secret signs from now on; the old one keeps signing alongside it for SecretOverlap.</summary>
    private static async Task<Results<Ok<SubscriptionResponse>, ProblemHttpResult>> RotateSecret(Guid id, HttpContext context, SubscriptionService subscriptions)
    {
        var outcome = await subscriptions.RotateSecretAsync(id, context.Caller());
        if (outcome.Failure is { } f) return Problems.From(f);
        return TypedResults.Ok(SubscriptionResponse.From(outcome.Value!.Subscription, outcome.Value.Secret));
    }
}
