using Webhooks.Common;

namespace Webhooks.Security;

/// <summary>
/// Every error of the API is problem details with a <c>urn:webhooks:problem:</c> type: the ones the endpoints
/// write name their own; those the framework writes (authentication, routing, binding, unhandled exceptions,
/// empty error responses) get theirs from the status code here.
/// </summary>
public static class ApiProblemDetails
{
    /// <summary>The API and the service's own endpoints; every other path belongs to the browser UI, which shows errors as pages.</summary>
    public static bool IsApi(PathString path) =>
        path.StartsWithSegments("/api") || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz") || path.StartsWithSegments("/openapi");

    /// <summary>Writes problem details for an error status that reaches the client with no body, on API paths only.</summary>
    public static void UseApiProblemDetails(this WebApplication app) =>
        app.UseWhen(context => IsApi(context.Request.Path), api => api.UseStatusCodePages());

    /// <summary>Gives a problem without a type of ours the type (and, when it has none, the detail) of its status.</summary>
    public static void Customize(ProblemDetailsContext context)
    {
        var problem = context.ProblemDetails;
        if (problem.Type?.StartsWith(Problems.Type(""), StringComparison.Ordinal) == true) return;
        var (code, detail) = problem.Status switch
        {
            400 => ("invalid-request", "The request is not valid."),
            401 => ("unauthorized", "Send an API key: Authorization: Bearer <key>."),
            403 => ("forbidden", "This API key may not do that."),
            404 => ("not-found", "There is nothing at this address."),
            405 => ("method-not-allowed", "This address does not take that method."),
            406 => ("not-acceptable", "The API answers application/json and application/problem+json."),
            408 => ("request-timeout", "The request arrived too slowly."),
            409 => ("conflict", null),
            413 => ("body-too-large", "The body is too large."),
            415 => ("unsupported-media-type", "Send the body as application/json."),
            429 => ("rate-limited", "Too many requests; retry later."),
            503 => ("service-unavailable", "The service cannot answer now; retry later."),
            >= 500 => ("internal-error", "The service failed to answer this request; nothing was stored."),
            _ => ("error", null),
        };
        problem.Type = Problems.Type(code);
        problem.Detail ??= detail;
    }
}
