using Microsoft.AspNetCore.Http.HttpResults;

namespace Webhooks.Common;

/// <summary>The problem details this API answers with; each has a stable type.</summary>
public static class Problems
{
    private const string TypeBase = "urn:webhooks:problem:";

    public static ValidationProblem Validation(IDictionary<string, string[]> errors, string? detail = null) =>
        TypedResults.ValidationProblem(errors, detail, type: TypeBase + "validation", title: "The request is not valid.");

    public static ValidationProblem Validation(string path, string message) =>
        Validation(new Dictionary<string, string[]> { [path] = [message] });

    public static ProblemHttpResult NotFound(string what) =>
        TypedResults.Problem($"{what} was not found.", statusCode: 404, title: "Not found.", type: TypeBase + "not-found");

    public static ProblemHttpResult Conflict(string detail) =>
        TypedResults.Problem(detail, statusCode: 409, title: "Conflict.", type: TypeBase + "conflict");

    public static ProblemHttpResult Unprocessable(string code, string title, string detail, IDictionary<string, object?>? extensions = null) =>
        TypedResults.Problem(detail, statusCode: 422, title: title, type: TypeBase + code, extensions: extensions);

    public static ProblemHttpResult BadRequest(string code, string title, string detail) =>
        TypedResults.Problem(detail, statusCode: 400, title: title, type: TypeBase + code);

    public static string Type(string code) => TypeBase + code;

    /// <summary>The problem details of a service failure other than a validation failure (those are <see cref="Validation(IDictionary{string, string[]}, string?)"/>).</summary>
    public static ProblemHttpResult From(Failure failure) => failure.Kind switch
    {
        FailureKind.NotFound => TypedResults.Problem(failure.Detail, statusCode: 404, title: "Not found.", type: TypeBase + "not-found"),
        FailureKind.Conflict => Conflict(failure.Detail),
        FailureKind.Unprocessable => Unprocessable(failure.Code!, failure.Title!, failure.Detail,
            new Dictionary<string, object?> { ["errors"] = failure.Errors }),
        _ => TypedResults.Problem(failure.Detail, statusCode: 400, title: "The request is not valid.", type: TypeBase + "validation"),
    };

    public static ValidationProblem Validation(Failure failure) => Validation(failure.Errors.ToDictionary());
}
