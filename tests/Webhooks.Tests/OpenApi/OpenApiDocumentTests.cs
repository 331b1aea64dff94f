using System.Net;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.OpenApi;

/// <summary>The served /openapi/v1.json: complete enough that clients generated from it name their methods, send the key and know the errors.</summary>
public sealed class OpenApiDocumentTests(WebhooksApp app) : IClassFixture<WebhooksApp>
{
    private static readonly NodePackage Redocly = new("@redocly/cli", "2.77.0");
    private static readonly string[] Methods = ["get", "put", "post", "delete", "patch"];

    [Fact]
    public async Task The_served_document_lints_clean_with_Redocly_recommended_rules()
    {
        var document = await app.Client(apiKey: null).GetStringAsync("/openapi/v1.json");
        await Redocly.InstallAsync();
        var file = Path.Combine(Path.GetTempPath(), $"webhooks-openapi-{Guid.NewGuid():N}.json");
        await File.WriteAllTextAsync(file, document);
        try
        {
            var (_, output, error) = await ExternalProcess.RunAsync("node", Redocly.Folder, TimeSpan.FromMinutes(3),
                new Dictionary<string, string> { ["REDOCLY_TELEMETRY"] = "off", ["REDOCLY_SUPPRESS_UPDATE_NOTICE"] = "true" },
                Path.Combine(Redocly.Folder, "node_modules", "@redocly", "cli", "bin", "cli.js"),
                "lint", file, "--extends", "recommended", "--format", "json", "--max-problems", "1000");
            Assert.True(output.Contains('{'), $"redocly printed no report:\n{output}\n{error}");
            var report = JsonNode.Parse(output[output.IndexOf('{')..])!;
            var problems = report["problems"]!.AsArray()
                .Select(p => $"{p!["severity"]} {p["ruleId"]}: {p["message"]} at {p["location"]?[0]?["pointer"]}").ToList();
            Assert.True(problems.Count == 0, "Redocly found:\n" + string.Join("\n", problems));
            Assert.Equal(0, (int)report["totals"]!["errors"]!);
            Assert.Equal(0, (int)report["totals"]!["warnings"]!);
        }
        finally
        {
            File.Delete(file);
        }
    }

    [Fact]
    public void Every_API_endpoint_has_an_operation_id_and_a_summary()
    {
        var endpoints = ApiEndpoints().ToList();
        Assert.NotEmpty(endpoints);
        var missing = endpoints
            .Where(e => e.Metadata.GetMetadata<IEndpointNameMetadata>() is null || string.IsNullOrWhiteSpace(e.Metadata.GetMetadata<IEndpointSummaryMetadata>()?.Summary))
            .Select(Describe).ToList();
        Assert.True(missing.Count == 0, "These endpoints need .WithName(...) and .WithSummary(...):\n" + string.Join("\n", missing));
        var names = endpoints.Select(e => e.Metadata.GetMetadata<IEndpointNameMetadata>()!.EndpointName).ToList();
        Assert.Equal(names.Count, names.Distinct().Count());
    }

    [Fact]
    public async Task Every_API_endpoint_is_in_the_document_with_its_operation_id_summary_key_and_problem_types()
    {
        var document = await app.Client(apiKey: null).GetAsync("/openapi/v1.json").Expect(HttpStatusCode.OK);
        var operations = document["paths"]!.AsObject()
            .SelectMany(path => path.Value!.AsObject().Where(m => Methods.Contains(m.Key)).Select(m => (Path: path.Key, Method: m.Key, Operation: m.Value!)))
            .ToList();

        Assert.Equal(ApiEndpoints().Count(), operations.Count);
        foreach (var (path, method, operation) in operations)
        {
            var where = $"{method.ToUpperInvariant()} {path}";
            Assert.False(string.IsNullOrWhiteSpace((string?)operation["operationId"]), $"{where} has no operationId");
            Assert.False(string.IsNullOrWhiteSpace((string?)operation["summary"]), $"{where} has no summary");
            Assert.True(operation["security"]?.AsArray().Any(s => s!["apiKey"] is not null) == true, $"{where} does not require the API key");
            var responses = operation["responses"]!.AsObject();
            Assert.Contains("401", responses.Select(r => r.Key));
            foreach (var (status, response) in responses.Where(r => r.Key[0] is '4' or '5'))
            {
                var examples = response!["content"]?["application/problem+json"]?["examples"]?.AsObject();
                Assert.True(examples is { Count: > 0 }, $"{where} {status} names no problem type");
                Assert.All(examples, e => Assert.StartsWith("urn:webhooks:problem:", (string)e.Value!["value"]!["type"]!));
            }
        }
        Assert.Equal("bearer", (string)document["components"]!["securitySchemes"]!["apiKey"]!["scheme"]!);
    }

    [Fact]
    public async Task The_ingest_body_is_typed_and_the_main_calls_have_examples()
    {
        var document = await app.Client(apiKey: null).GetAsync("/openapi/v1.json").Expect(HttpStatusCode.OK);
        var sendEvent = document["paths"]!["/api/v1/events"]!["post"]!;
        Assert.Equal("sendEvent", (string)sendEvent["operationId"]!);
        Assert.Equal("#/components/schemas/SendEventRequest", (string)sendEvent["requestBody"]!["content"]!["application/json"]!["schema"]!["$ref"]!);
        var shape = document["components"]!["schemas"]!["SendEventRequest"]!;
        Assert.Equal(["type", "payload"], shape["required"]!.AsArray().Select(r => (string)r!));
        Assert.Contains(sendEvent["parameters"]!.AsArray(), p => (string)p!["name"]! == "Idempotency-Key" && (string)p["in"]! == "header");
        Assert.Equal("order.placed", (string)sendEvent["requestBody"]!["content"]!["application/json"]!["example"]!["type"]!);
        Assert.NotNull(document["paths"]!["/api/v1/subscriptions"]!["post"]!["requestBody"]!["content"]!["application/json"]!["example"]);
        Assert.All(document["tags"]!.AsArray(), t => Assert.False(string.IsNullOrWhiteSpace((string?)t!["description"])));
        Assert.NotNull(document["info"]!["license"]);
        Assert.NotNull(document["info"]!["contact"]);
    }

    [Theory]
    [InlineData("Webhooks:OpenApi:ContactEmail", "not an address")]
    [InlineData("Webhooks:OpenApi:ContactUrl", "ftp://example.com/")]
    public async Task A_bad_contact_stops_the_app_at_start_with_a_message_naming_its_key(string key, string value)
    {
        await using var configured = new ConfiguredApp(new Dictionary<string, string?> { [key] = value });

        var failure = await Assert.ThrowsAnyAsync<Exception>(configured.InitializeAsync);

        Assert.Contains(key, string.Join("\n", configured.Logs.Entries.Append(failure.ToString())));
    }

    [Fact]
    public async Task The_configured_contact_is_the_documents_contact()
    {
        await using var configured = new ConfiguredApp(new Dictionary<string, string?>
        {
            ["Webhooks:OpenApi:ContactName"] = "Acme integrations team",
            ["Webhooks:OpenApi:ContactEmail"] = "integrations@acme.example",
        });
        await configured.InitializeAsync();

        var document = await configured.Client(apiKey: null).GetAsync("/openapi/v1.json").Expect(HttpStatusCode.OK);

        Assert.Equal("Acme integrations team", (string)document["info"]!["contact"]!["name"]!);
        Assert.Equal("integrations@acme.example", (string)document["info"]!["contact"]!["email"]!);
    }

    private IEnumerable<RouteEndpoint> ApiEndpoints() => app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
        .Where(e => e.RoutePattern.RawText?.StartsWith("/api/", StringComparison.Ordinal) == true);

    private static string Describe(RouteEndpoint e) =>
        $"{string.Join(",", e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? [])} {e.RoutePattern.RawText}";
}
