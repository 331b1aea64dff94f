using System.Net;
using Microsoft.AspNetCore.Http;

namespace Webhooks.Client;

/// <summary>
/// The service refused a call. <see cref="Problem"/> holds its problem details: <see cref="ProblemType"/> is a stable
/// <c>urn:webhooks:problem:&lt;code&gt;</c> to branch on, <see cref="Errors"/> names each failing JSON path.
/// </summary>
public sealed class WebhooksProblemException(HttpStatusCode statusCode, HttpValidationProblemDetails? problem, string? body)
    : Exception(Describe(statusCode, problem, body))
{
    public HttpStatusCode StatusCode { get; } = statusCode;

    /// <summary>The problem details, or null when the answer was not problem details (a proxy's error page, say).</summary>
    public HttpValidationProblemDetails? Problem { get; } = problem;

    public string? ProblemType => Problem?.Type;

    public IDictionary<string, string[]> Errors => Problem?.Errors ?? new Dictionary<string, string[]>();

    /// <summary>True when the type is <c>urn:webhooks:problem:</c> + <paramref name="code"/>, e.g. <c>Is("payload-invalid")</c>.</summary>
    public bool Is(string code) => ProblemType == "urn:webhooks:problem:" + code;

    private static string Describe(HttpStatusCode status, HttpValidationProblemDetails? problem, string? body)
    {
        var text = $"The Webhooks API answered {(int)status}";
        if (problem is null) return string.IsNullOrWhiteSpace(body) ? text + "." : $"{text}: {Truncate(body)}";
        text += $" {problem.Type}: {problem.Title}";
        if (!string.IsNullOrEmpty(problem.Detail)) text += " " + problem.Detail;
        if (problem.Errors.Count > 0) text += " " + string.Join(" ", problem.Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"));
        return text;
    }

    private static string Truncate(string body) => body.Length <= 500 ? body : body[..500] + "...";
}
