using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Webhooks.Auth;
using Webhooks.Common;
using Webhooks.Data;
using Webhooks.Delivery;

namespace Webhooks.Subscriptions;

public static class SubscriptionEndpoints
{
    public static RouteGroupBuilder MapSubscriptionEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/subscriptions").WithTags("Subscriptions").RequireAuthorization(AuthSetup.PartnerPolicy);
        group.MapPost("/", Create);
        group.MapGet("/", List);
        group.MapGet("/{id:guid}", Get);
        group.MapPatch("/{id:guid}", Update);
        group.MapDelete("/{id:guid}", Delete);
        group.MapPost("/{id:guid}/rotate-secret", RotateSecret);
        return group;
    }

    private static async Task<Results<Created<SubscriptionResponse>, ValidationProblem, ProblemHttpResult>> Create(
        CreateSubscription request, HttpContext context, WebhooksDb db, EndpointAddressGuard guard, SigningSecrets secrets, TimeProvider time)
    {
        var caller = context.Caller();
        var partnerId = request.PartnerId ?? caller.PartnerId;
        var errors = new Dictionary<string, string[]>();
        if (partnerId is null) errors["$.partnerId"] = ["partnerId is required."];
        if (guard.CheckUrl(request.Url) is { } urlError) errors["$.url"] = [urlError];
        SubscriptionRules.CheckFilters(request.EventTypes, errors);
        SubscriptionRules.CheckHeaders(request.Headers, errors);
        SubscriptionRules.CheckRateLimit(request.RateLimitPerSecond, errors);
        if (request.Description?.Length > 1000) errors["$.description"] = ["description must be at most 1000 characters."];
        if (errors.Count > 0) return Problems.Validation(errors);
        if (!caller.CanSee(partnerId!.Value) || !await db.Partners.AnyAsync(p => p.Id == partnerId && p.DeletedAt == null))
            return Problems.NotFound("The partner");
        if (await UnknownEventTypes(db, request.EventTypes!) is { Count: > 0 } unknown) return Problems.Validation(unknown);

        var now = time.GetUtcNow();
        var secret = SigningSecrets.Generate();
        var subscription = new Subscription
        {
            Id = Guid.CreateVersion7(),
            PartnerId = partnerId.Value,
            Url = request.Url!,
            EventTypes = request.EventTypes!.Distinct().ToArray(),
            Description = request.Description,
            Headers = request.Headers ?? [],
            RateLimitPerSecond = request.RateLimitPerSecond,
            CreatedAt = now,
            UpdatedAt = now,
            Secrets = [new() { ProtectedSecret = secrets.Protect(secret), CreatedAt = now }],
        };
        db.Subscriptions.Add(subscription);
        await db.SaveChangesAsync();
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

    private static async Task<Results<Ok<SubscriptionResponse>, ProblemHttpResult>> Get(Guid id, HttpContext context, WebhooksDb db)
    {
        var subscription = await Find(db, id, context.Caller(), tracked: false);
        return subscription is null ? Problems.NotFound("The subscription") : TypedResults.Ok(SubscriptionResponse.From(subscription));
    }

    private static async Task<Results<Ok<SubscriptionResponse>, ValidationProblem, ProblemHttpResult>> Update(
        Guid id, UpdateSubscription request, HttpContext context, WebhooksDb db, EndpointAddressGuard guard, TimeProvider time)
    {
        var errors = new Dictionary<string, string[]>();
        if (request.Url is not null && guard.CheckUrl(request.Url) is { } urlError) errors["$.url"] = [urlError];
        if (request.EventTypes is not null) SubscriptionRules.CheckFilters(request.EventTypes, errors);
        SubscriptionRules.CheckHeaders(request.Headers, errors);
        SubscriptionRules.CheckRateLimit(request.RateLimitPerSecond, errors);
        if (request.Description?.Length > 1000) errors["$.description"] = ["description must be at most 1000 characters."];
        if (request.PausedDeliveries is not (null or "send" or "discard"))
            errors["$.pausedDeliveries"] = ["pausedDeliveries must be 'send' or 'discard'."];
        if (errors.Count > 0) return Problems.Validation(errors);
        if (request.EventTypes is not null && await UnknownEventTypes(db, request.EventTypes) is { Count: > 0 } unknown)
            return Problems.Validation(unknown);

        var caller = context.Caller();
        await using var transaction = await db.Database.BeginTransactionAsync();
        var subscription = await Find(db, id, caller, tracked: true);
        if (subscription is null) return Problems.NotFound("The subscription");
        var now = time.GetUtcNow();
        if (request.Url is not null) subscription.Url = request.Url;
        if (request.EventTypes is not null) subscription.EventTypes = request.EventTypes.Distinct().ToArray();
        if (request.Description is not null) subscription.Description = request.Description;
        if (request.Headers is not null) subscription.Headers = request.Headers;
        if (request.RateLimitPerSecond is not null) subscription.RateLimitPerSecond = request.RateLimitPerSecond;
        if (request.Enabled is { } enabled && enabled != subscription.Enabled)
        {
            if (enabled) SubscriptionState.Enable(subscription);
            else SubscriptionState.Disable(subscription, $"Disabled by {caller.Name}.", now);
        }
        subscription.UpdatedAt = now;
        await db.SaveChangesAsync();
        await SubscriptionState.MoveDeliveries(db, subscription, request.PausedDeliveries, now);
        await transaction.CommitAsync();
        return TypedResults.Ok(SubscriptionResponse.From(subscription));
    }

    private static async Task<Results<NoContent, ProblemHttpResult>> Delete(Guid id, HttpContext context, WebhooksDb db, TimeProvider time)
    {
        await using var transaction = await db.Database.BeginTransactionAsync();
        var subscription = await Find(db, id, context.Caller(), tracked: true);
        if (subscription is null) return Problems.NotFound("The subscription");
        var now = time.GetUtcNow();
        subscription.DeletedAt = now;
        subscription.Enabled = false;
        await db.SaveChangesAsync();
        await db.Deliveries
            .Where(d => d.SubscriptionId == id && (d.Status == DeliveryStatus.Pending || d.Status == DeliveryStatus.Paused))
            .ExecuteUpdateAsync(u => u.SetProperty(d => d.Status, DeliveryStatus.Discarded).SetProperty(d => d.UpdatedAt, now));
        await transaction.CommitAsync();
        return TypedResults.NoContent();
    }

    /// <summary>A new secret signs from now on; the old one keeps signing alongside it for SecretOverlap.</summary>
    private static async Task<Results<Ok<SubscriptionResponse>, ProblemHttpResult>> RotateSecret(
        Guid id, HttpContext context, WebhooksDb db, SigningSecrets secrets, TimeProvider time, IOptions<DeliveryOptions> options)
    {
        var subscription = await Find(db, id, context.Caller(), tracked: true);
        if (subscription is null) return Problems.NotFound("The subscription");
        var now = time.GetUtcNow();
        var overlapEnd = now + options.Value.SecretOverlap;
        foreach (var old in await db.SubscriptionSecrets.Where(s => s.SubscriptionId == id && (s.ExpiresAt == null || s.ExpiresAt > overlapEnd)).ToListAsync())
            old.ExpiresAt = overlapEnd;
        var secret = SigningSecrets.Generate();
        db.SubscriptionSecrets.Add(new() { SubscriptionId = id, ProtectedSecret = secrets.Protect(secret), CreatedAt = now });
        subscription.UpdatedAt = now;
        await db.SaveChangesAsync();
        return TypedResults.Ok(SubscriptionResponse.From(subscription, secret));
    }

    internal static Task<Subscription?> Find(WebhooksDb db, Guid id, Caller caller, bool tracked)
    {
        var query = tracked ? db.Subscriptions : db.Subscriptions.AsNoTracking();
        return query.FirstOrDefaultAsync(s => s.Id == id && s.DeletedAt == null && (caller.IsAdmin || s.PartnerId == caller.PartnerId));
    }

    /// <summary>Exact names in the filters must be registered, live event types; 'prefix.*' filters may match types registered later.</summary>
    private static async Task<Dictionary<string, string[]>> UnknownEventTypes(WebhooksDb db, string[] filters)
    {
        var exact = filters.Where(f => !f.EndsWith('*')).Distinct().ToArray();
        var known = await db.EventTypes.Where(t => exact.Contains(t.Name) && t.ArchivedAt == null).Select(t => t.Name).ToListAsync();
        return filters.Select((f, i) => (f, i))
            .Where(x => !x.f.EndsWith('*') && !known.Contains(x.f))
            .ToDictionary(x => $"$.eventTypes[{x.i}]", x => new[] { $"'{x.f}' is not a registered event type." });
    }
}
