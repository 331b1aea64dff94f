using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Diagnostics;
using Npgsql;
using Webhooks.Common;

namespace Webhooks.Security;

/// <summary>
/// Requests that fail through the client's doing are not errors of the service: a client that goes away
/// is logged at debug level only, and a body or parameter that cannot be read or bound, or text that
/// PostgreSQL cannot store (a NUL character, in a filter or a name), is a 4xx problem.
/// </summary>
internal sealed class RequestExceptionHandler(IProblemDetailsService problems, ILogger<RequestExceptionHandler> logger) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext context, Exception exception, CancellationToken cancellationToken)
    {
        if (exception is ConnectionResetException
            || context.RequestAborted.IsCancellationRequested && exception.GetBaseException() is OperationCanceledException or IOException)
        {
            logger.LogDebug("The client of {Method} {Path} went away: {Message}", context.Request.Method, context.Request.Path, exception.Message);
            return true;
        }
        if (exception.GetBaseException() is PostgresException { SqlState: "22021" or "22P05" })
            return await WriteAsync(context, exception, StatusCodes.Status400BadRequest, "invalid-request", "The request is not valid.",
                "The request holds text the database cannot store: the NUL character (U+0000). Nothing was stored.");
        if (exception is not BadHttpRequestException bad) return false;

        // Kestrel's too: a body that ended before its Content-Length (the client hung up mid-upload), or arrived too slowly.
        logger.LogDebug("Refused {Method} {Path}: {Message}", context.Request.Method, context.Request.Path, exception.Message);
        return exception.InnerException is System.Text.Json.JsonException json
            ? await WriteAsync(context, exception, bad.StatusCode, "malformed-json", "The body is not valid JSON.", json.Message)
            : await WriteAsync(context, exception, bad.StatusCode, null, "The request is not valid.", exception.Message);
    }

    /// <summary>Problem details of the status; a null code takes the status's own type.</summary>
    private async ValueTask<bool> WriteAsync(HttpContext context, Exception exception, int status, string? code, string title, string detail)
    {
        context.Response.StatusCode = status;
        return await problems.TryWriteAsync(new()
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails = { Status = status, Type = code is null ? null : Problems.Type(code), Title = title, Detail = detail },
        });
    }

}
