using Microsoft.AspNetCore.Http.HttpResults;
using Webhooks.Auth;
using Webhooks.Common;

namespace Webhooks.Jobs;

public static class JobEndpoints
{
    public static RouteGroupBuilder MapJobEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/jobs").WithTags("Jobs").RequireAuthorization(AuthSetup.PartnerPolicy);
        group.MapGet("/{id:guid}", Get).WithName("getJob").WithSummary("Get a long-running job's state and progress (a bulk replay, a partner's removal)")
            .ProducesProblems("not-found");
        return group;
    }

    private static async Task<Results<Ok<AdminJobResponse>, ProblemHttpResult>> Get(Guid id, HttpContext context, AdminJobs jobs) =>
        await jobs.FindAsync(id, context.Caller(), context.RequestAborted) is { } job ? TypedResults.Ok(job) : Problems.NotFound("The job");
}
