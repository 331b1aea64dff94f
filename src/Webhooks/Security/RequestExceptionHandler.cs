using Microsoft.AspNetCore.Connections;
using Microsoft.AspNetCore.Diagnostics;
using Webhooks.Common;

namespace Webhooks.Security;

/// <summary>
/// Requests that fail through the client's doing are not errors of the service: a client that goes away
/// is logged at debug level only, and a body or parameter that cannot be read or bound is a 4xx problem.
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
        if (exception is not BadHttpRequestException bad) return false;

        // Kestrel's too: a body that ended before its Content-Length (the client hung up mid-upload), or arrived too slowly.
        logger.LogDebug("Refused {Method} {Path}: {Message}", context.Request.Method, context.Request.Path, exception.Message);
        var malformed = exception.InnerException is System.Text.Json.JsonException;
        context.Response.StatusCode = bad.StatusCode;
        return await problems.TryWriteAsync(new()
        {
            HttpContext = context,
            Exception = exception,
            ProblemDetails =
            {
                Status = bad.StatusCode,
                Type = malformed ? Problems.Type("malformed-json") : null,
                Title = malformed ? "The body is not valid JSON." : "The request is not valid.",
                Detail = malformed ? exception.InnerException!.Message : exception.Message,
            },
        });
    }

}
