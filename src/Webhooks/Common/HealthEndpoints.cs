using Npgsql;
using Webhooks.Data;

namespace Webhooks.Common;

public static class HealthEndpoints
{
    public static void MapHealthEndpoints(this IEndpointRouteBuilder routes)
    {
        routes.MapGet("/healthz", () => TypedResults.Ok(new { status = "live" })).ExcludeFromDescription();
        routes.MapGet("/readyz", async Task<IResult> (Migrator migrator, CancellationToken cancellationToken) =>
        {
            try
            {
                return await migrator.IsUpToDateAsync(cancellationToken)
                    ? TypedResults.Ok(new { status = "ready" })
                    : TypedResults.Problem("Migrations are not applied yet.", statusCode: 503, title: "Not ready.");
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                return TypedResults.Problem("The database is not reachable.", statusCode: 503, title: "Not ready.");
            }
        }).ExcludeFromDescription();
    }
}
