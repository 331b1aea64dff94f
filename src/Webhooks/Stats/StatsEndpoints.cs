using Webhooks.Auth;
using Webhooks.Jobs;

namespace Webhooks.Stats;

public static class StatsEndpoints
{
    public static void AddStats(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<StatsService>();
        builder.Services.AddSingleton<IRecurringWork, StatsRollupJob>();
    }

    public static RouteGroupBuilder MapStatsEndpoints(this IEndpointRouteBuilder routes)
    {
        var group = routes.MapGroup("/api/v1/stats").WithTags("Stats").RequireAuthorization(AuthSetup.AdminPolicy);
        group.MapGet("/", async (StatsService stats, CancellationToken cancellationToken) => TypedResults.Ok(await stats.ReadAsync(cancellationToken)))
            .WithName("getStats").WithSummary("Get the dashboard's figures");
        return group;
    }
}
