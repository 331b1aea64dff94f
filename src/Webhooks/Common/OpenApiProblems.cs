namespace Webhooks.Common;

/// <summary>A problem type this API answers with: its code (the end of <c>urn:webhooks:problem:&lt;code&gt;</c>), status and title.</summary>
public sealed record ProblemType(string Code, int Status, string Title, bool HasErrors = false)
{
    public string Type => Problems.Type(Code);
}

/// <summary>Endpoint metadata: the problem types an operation can answer with, documented in the OpenAPI document.</summary>
public sealed record ProducesProblemsMetadata(IReadOnlyList<ProblemType> Problems);

/// <summary>
/// Every problem type of the API, for the OpenAPI document: an endpoint names the ones it can answer with
/// (<see cref="ProducesProblems{TBuilder}"/>); 401, 403 and 503 are added to every operation that can give them.
/// </summary>
public static class OpenApiProblems
{
    public static readonly IReadOnlyDictionary<string, ProblemType> All = new ProblemType[]
    {
        new("validation", 400, "The request is not valid.", HasErrors: true),
        new("malformed-json", 400, "The body is not valid JSON."),
        new("too-deep", 400, "The JSON is nested too deeply."),
        new("invalid-cloudevent", 400, "The CloudEvent is not valid.", HasErrors: true),
        new("invalid-idempotency-key", 400, "The Idempotency-Key header is not valid."),
        new("unauthorized", 401, "A valid API key is required."),
        new("forbidden", 403, "The API key lacks the scope this operation needs."),
        new("not-found", 404, "Not found."),
        new("conflict", 409, "Conflict."),
        new("body-too-large", 413, "The body is too large."),
        new("payload-too-large", 413, "The payload is too large."),
        new("unknown-event-type", 422, "The event type is not registered or is archived."),
        new("unknown-partner", 422, "The partner does not exist."),
        new("payload-invalid", 422, "The payload does not match the event type's schema.", HasErrors: true),
        new("invalid-schema", 422, "The schema is not valid.", HasErrors: true),
        new("invalid-example", 422, "The example does not match the schema.", HasErrors: true),
        new("no-example", 422, "There is no example to send."),
        new("invalid-destination", 422, "The destination is not valid.", HasErrors: true),
        new("database-unavailable", 503, "The service cannot reach its database."),
    }.ToDictionary(p => p.Code);

    /// <summary>The problems every operation with an API key can answer with.</summary>
    public static readonly IReadOnlyList<ProblemType> Authenticated = [All["unauthorized"], All["forbidden"]];

    /// <summary>Every operation reads or writes PostgreSQL, so every one can answer this.</summary>
    public static readonly ProblemType DatabaseUnavailable = All["database-unavailable"];

    /// <summary>Documents the problem types (by code, e.g. <c>"not-found"</c>) this endpoint can answer with.</summary>
    public static TBuilder ProducesProblems<TBuilder>(this TBuilder builder, params string[] codes) where TBuilder : IEndpointConventionBuilder
    {
        var problems = codes.Select(c => All.TryGetValue(c, out var p) ? p : throw new ArgumentException($"'{c}' is not a problem type of this API.", nameof(codes))).ToList();
        return builder.WithMetadata(new ProducesProblemsMetadata(problems));
    }
}
