using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.OpenApi;
using Microsoft.OpenApi;
using Webhooks.Auth;

namespace Webhooks.Common;

/// <summary>
/// Per operation: the API key requirement and the scopes it accepts, every error status with its problem types
/// (named by the endpoint's <see cref="ProducesProblemsMetadata"/>, plus 401/403/503 where they apply), and examples.
/// </summary>
internal sealed class OpenApiOperationTransformer : IOpenApiOperationTransformer
{
    private const string ProblemMediaType = "application/problem+json";

    /// <summary>The problem type an error status means when the endpoint names none for it.</summary>
    private static readonly Dictionary<int, string> DefaultProblem = new()
    {
        [400] = "validation", [404] = "not-found", [409] = "conflict", [413] = "body-too-large", [503] = "database-unavailable",
    };

    private static readonly Dictionary<string, string> ScopesByPolicy = new()
    {
        [AuthSetup.AdminPolicy] = "`admin`",
        [AuthSetup.IngestPolicy] = "`ingest` or `admin`",
        [AuthSetup.PartnerPolicy] = "`partner` or `admin`",
    };

    public async Task TransformAsync(OpenApiOperation operation, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var metadata = context.Description.ActionDescriptor.EndpointMetadata;
        var authorize = metadata.OfType<IAuthorizeData>().ToList();
        var problems = metadata.OfType<ProducesProblemsMetadata>().SelectMany(m => m.Problems).ToList();

        if (authorize.Count > 0 && !metadata.OfType<IAllowAnonymous>().Any())
        {
            operation.Security = [new OpenApiSecurityRequirement { [new OpenApiSecuritySchemeReference(OpenApiDocumentTransformer.SecurityScheme, context.Document)] = [] }];
            var policy = authorize.Select(a => a.Policy).LastOrDefault(p => p is not null);
            var scopes = policy is null ? "any scope" : ScopesByPolicy.GetValueOrDefault(policy, $"`{policy}`");
            operation.Description = Join(operation.Description, $"**API key scopes**: {scopes}.");
            problems.Add(OpenApiProblems.All["unauthorized"]);
            if (policy is not null) problems.Add(OpenApiProblems.All["forbidden"]);
        }
        else
        {
            operation.Security = [];
        }
        if (operation.RequestBody is not null && metadata.OfType<IAcceptsMetadata>().Any(a => a.RequestType is not null)) problems.Add(OpenApiProblems.All["malformed-json"]);
        problems.Add(OpenApiProblems.DatabaseUnavailable);

        foreach (var header in metadata.OfType<AcceptsHeaderMetadata>())
        {
            operation.Parameters ??= [];
            operation.Parameters.Add(new OpenApiParameter
            {
                Name = header.Name, In = ParameterLocation.Header, Required = false, Description = header.Description,
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, MinLength = 1, MaxLength = header.MaxLength },
            });
        }
        await DocumentProblemsAsync(operation, context, problems, cancellationToken);
        if (operation.OperationId is { } id && OpenApiExamples.ByOperation.TryGetValue(id, out var example)) AddExample(operation, example);
    }

    private static async Task DocumentProblemsAsync(
        OpenApiOperation operation, OpenApiOperationTransformerContext context, List<ProblemType> named, CancellationToken cancellationToken)
    {
        operation.Responses ??= [];
        var statuses = operation.Responses.Keys.Where(k => int.TryParse(k, out var s) && s >= 400).Select(int.Parse)
            .Concat(named.Select(p => p.Status)).Distinct().Order();
        foreach (var status in statuses)
        {
            var problems = named.Where(p => p.Status == status).DistinctBy(p => p.Code).ToList();
            if (problems.Count == 0)
                problems.Add(DefaultProblem.TryGetValue(status, out var code)
                    ? OpenApiProblems.All[code]
                    : throw new InvalidOperationException($"{operation.OperationId} documents status {status} but names no problem type for it (ProducesProblems)."));
            var schemaType = problems.Any(p => p.HasErrors) ? typeof(HttpValidationProblemDetails) : typeof(ProblemDetails);
            operation.Responses[status.ToString()] = new OpenApiResponse
            {
                Description = string.Join("\n", problems.Select(p => $"- `{p.Type}`: {p.Title}")),
                Content = new Dictionary<string, OpenApiMediaType>
                {
                    [ProblemMediaType] = new()
                    {
                        Schema = await SchemaReferenceAsync(schemaType, context, cancellationToken),
                        Examples = problems.ToDictionary(p => p.Code, p => (IOpenApiExample)new OpenApiExample
                        {
                            Summary = p.Title,
                            Value = new JsonObject { ["type"] = p.Type, ["title"] = p.Title, ["status"] = p.Status },
                        }),
                    },
                },
            };
        }
    }

    /// <summary>The shared component for a problem details type, registered on first use.</summary>
    private static async Task<IOpenApiSchema> SchemaReferenceAsync(Type type, OpenApiOperationTransformerContext context, CancellationToken cancellationToken)
    {
        var document = context.Document!;
        if (document.Components?.Schemas?.ContainsKey(type.Name) != true)
            document.AddComponent(type.Name, await context.GetOrCreateSchemaAsync(type, null, cancellationToken));
        return new OpenApiSchemaReference(type.Name, document);
    }

    private static void AddExample(OpenApiOperation operation, OpenApiExamples.Example example)
    {
        if (example.Request is not null && operation.RequestBody?.Content?.TryGetValue("application/json", out var request) == true)
            request.Example = OpenApiExamples.Parse(example.Request);
        if (example.Response is not null && operation.Responses?.TryGetValue(example.Status.ToString(), out var response) == true
            && response.Content?.TryGetValue("application/json", out var body) == true)
            body.Example = OpenApiExamples.Parse(example.Response);
    }

    private static string Join(string? first, string second) => string.IsNullOrEmpty(first) ? second : first + "\n\n" + second;
}
