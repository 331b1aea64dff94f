using System.Net.Sockets;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;

namespace Webhooks.Common;

/// <summary>Answers 503 with Retry-After, never a 500, while PostgreSQL cannot be reached.</summary>
internal sealed class DatabaseUnavailableHandler(IProblemDetailsService problems, ILogger<DatabaseUnavailableHandler> logger) : IExceptionHandler
{
    public const int RetryAfterSeconds = 5;

    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (!IsDatabaseUnavailable(exception)) return false;
        logger.LogWarning("The database is unavailable: {Message}", exception.GetBaseException().Message);
        context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
        context.Response.Headers.RetryAfter = RetryAfterSeconds.ToString();
        return await problems.TryWriteAsync(new()
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails =
            {
                Status = 503,
                Type = Problems.Type("database-unavailable"),
                Title = "The service cannot reach its database.",
                Detail = $"Nothing was stored. Retry in {RetryAfterSeconds} seconds.",
            },
        });
    }

    public static bool IsDatabaseUnavailable(Exception exception)
    {
        for (Exception? e = exception; e is not null; e = e.InnerException)
            if (e is NpgsqlException { IsTransient: true } or SocketException or TimeoutException
                || e is PostgresException { SqlState: "57P01" or "57P02" or "57P03" or "53300" })
                return true;
        return false;
    }
}
