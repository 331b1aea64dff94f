using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Webhooks.Auth;
using Webhooks.Common;
using Webhooks.Data;
using Webhooks.DeadLetters;

namespace Webhooks.Delivery;

public static class DeliveryEndpoints
{
    public static RouteGroupBuilder MapDeliveryEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapPost("/api/v1/subscriptions/{id:guid}/test", Test).WithTags("Subscriptions").RequireAuthorization(AuthSetup.PartnerPolicy)
            .WithName("sendTestEvent").WithSummary("Send an event type's example to a subscription now").ProducesProblems("not-found", "no-example", "conflict");
        var group = routes.MapGroup("/api/v1/deliveries").WithTags("Deliveries").RequireAuthorization(AuthSetup.PartnerPolicy);
        group.MapGet("/", List).WithName("listDeliveries").WithSummary("List deliveries, newest first");
        group.MapGet("/{id:guid}", Get).WithName("getDelivery").WithSummary("Get a delivery with its attempts").ProducesProblems("not-found");
        group.MapPost("/{id:guid}/replay", ReplayOne).WithName("replayDelivery").WithSummary("Replay a dead or succeeded delivery").ProducesProblems("not-found", "conflict");
        group.MapPost("/replay", Replay).WithName("replayDeliveries").WithSummary("Replay every delivery that matches a filter, as a job (follow it at /api/v1/jobs/{jobId})");
        return group;
    }

    private static async Task<Results<Ok<Page<DeliveryResponse>>, ValidationProblem>> List(
        HttpContext context, WebhooksDb db, string? status, Guid? subscriptionId, Guid? partnerId, string? eventType,
        DateTimeOffset? since, DateTimeOffset? until, int? limit, string? cursor)
    {
        var page = PageRequest.Parse(limit, cursor, out var errors);
        var filter = new DeliveryFilter(status, subscriptionId, partnerId, eventType, since, until);
        foreach (var (key, messages) in filter.Check()) errors[key] = messages;
        if (errors.Count > 0) return Problems.Validation(errors);
        var query = filter.Apply(db, context.Caller());
        if (page.AfterId is { } after) query = query.Where(r => r.Delivery.Id < after);
        var rows = await query.OrderByDescending(r => r.Delivery.Id).Take(page.Limit + 1).ToListAsync();
        return TypedResults.Ok(page.ToPage(rows, r => r.Delivery.Id.ToString(), r => DeliveryResponse.From(r)));
    }

    private static async Task<Results<Ok<DeliveryResponse>, ProblemHttpResult>> Get(Guid id, HttpContext context, WebhooksDb db)
    {
        var row = await new DeliveryFilter().Apply(db, context.Caller()).FirstOrDefaultAsync(r => r.Delivery.Id == id);
        if (row is null) return Problems.NotFound("The delivery");
        var attempts = await db.Attempts.AsNoTracking().Where(a => a.DeliveryId == id).OrderBy(a => a.Number).ToListAsync();
        return TypedResults.Ok(DeliveryResponse.From(row, attempts));
    }

    private static async Task<Results<Accepted<DeliveryResponse>, ProblemHttpResult>> ReplayOne(
        Guid id, HttpContext context, WebhooksDb db, ReplayService replays)
    {
        var caller = context.Caller();
        switch (await replays.ReplayOneAsync(id, caller, context.RequestAborted))
        {
            case ReplayOutcome.NotFound:
                return Problems.NotFound("The delivery");
            case ReplayOutcome.NotReplayable:
                return Problems.Conflict("Only a dead or succeeded delivery can be replayed; this one is still pending, paused or discarded.");
        }
        var row = await new DeliveryFilter().Apply(db, caller).FirstAsync(r => r.Delivery.Id == id);
        return TypedResults.Accepted($"/api/v1/deliveries/{id}", DeliveryResponse.From(row));
    }

    private static async Task<Results<Accepted<BulkReplayResponse>, ValidationProblem>> Replay(
        BulkReplayRequest request, HttpContext context, ReplayService replays)
    {
        var filter = new DeliveryFilter(request.Status ?? DeliveryStatus.Dead, request.SubscriptionId, request.PartnerId, request.EventType, request.Since, request.Until);
        var errors = filter.Check("$.");
        if (!ReplayService.ReplayableStatuses.Contains(filter.Status)) errors["$.status"] = ["status must be 'dead' or 'succeeded'."];
        if (errors.Count > 0) return Problems.Validation(errors);
        var (count, jobId) = await replays.StartReplayAsync(filter, context.Caller(), context.RequestAborted);
        return TypedResults.Accepted($"/api/v1/jobs/{jobId}", new BulkReplayResponse(count, jobId));
    }

    private static async Task<Results<Ok<TestDeliveryResult>, ProblemHttpResult>> Test(
        Guid id, [FromBody] TestDeliveryRequest? request, HttpContext context, TestDelivery test)
    {
        var (result, problem) = await test.SendAsync(id, request?.EventType, context.Caller(), context.RequestAborted);
        switch (problem)
        {
            case null: return TypedResults.Ok(result!);
            case { Status: 404 }: return Problems.NotFound("The subscription");
            case { Status: 409 }: return Problems.Conflict(problem.Message);
            case { Status: 429 }:
                context.Response.Headers.RetryAfter = Math.Max(1, (int)Math.Ceiling(problem.RetryAfter!.Value.TotalSeconds)).ToString();
                return TypedResults.Problem(problem.Message, statusCode: 429, title: "Too many test sends.", type: Problems.Type("rate-limited"));
            default: return Problems.Unprocessable("no-example", "There is no example to send.", problem.Message);
        }
    }
}
