using System.Buffers.Text;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json.Nodes;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Security;

/// <summary>Every error of the API, the framework's own included, is problem details with a urn:webhooks:problem type.</summary>
public sealed class ProblemDetailsTests(WebhooksApp app) : IClassFixture<WebhooksApp>
{
    private readonly HttpClient _admin = app.Client();

    private static async Task<JsonNode> ExpectProblem(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        var problem = JsonNode.Parse(body)!;
        Assert.Equal("urn:webhooks:problem:" + code, (string)problem["type"]!);
        Assert.Equal((int)status, (int)problem["status"]!);
        Assert.False(string.IsNullOrEmpty((string?)problem["title"]));
        return problem;
    }

    [Fact]
    public async Task A_request_without_a_key_is_401_problem_details_with_a_bearer_challenge()
    {
        var response = await app.Client(apiKey: null).GetAsync("/api/v1/subscriptions");
        await ExpectProblem(response, HttpStatusCode.Unauthorized, "unauthorized");
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Fact]
    public async Task A_request_with_an_unknown_key_is_401_with_an_invalid_token_challenge()
    {
        var response = await app.Client("whk_not-a-key-at-all-0000000000").GetAsync("/api/v1/subscriptions");
        await ExpectProblem(response, HttpStatusCode.Unauthorized, "unauthorized");
        var challenge = response.Headers.WwwAuthenticate.Single();
        Assert.Equal("Bearer", challenge.Scheme);
        Assert.Contains("invalid_token", challenge.Parameter);
    }

    [Fact]
    public async Task A_key_without_the_scope_is_403_problem_details()
    {
        var ingest = app.Client(await _admin.CreateKey("ingest"));
        await ExpectProblem(await ingest.GetAsync("/api/v1/partners"), HttpStatusCode.Forbidden, "forbidden");
    }

    [Theory]
    [InlineData("/api/v1/no-such-thing")]
    [InlineData("/api/v1/subscriptions/not-a-guid")]
    [InlineData("/api/v2/events")]
    public async Task An_unknown_API_route_is_404_problem_details(string path) =>
        await ExpectProblem(await _admin.GetAsync(path), HttpStatusCode.NotFound, "not-found");

    [Fact]
    public async Task A_method_the_route_does_not_take_is_405_problem_details() =>
        await ExpectProblem(await _admin.DeleteAsync("/api/v1/events"), HttpStatusCode.MethodNotAllowed, "method-not-allowed");

    [Fact]
    public async Task A_body_that_is_not_JSON_is_415_problem_details() =>
        await ExpectProblem(await _admin.PostAsync("/api/v1/partners", new StringContent("name=Acme", Encoding.UTF8, "text/plain")),
            HttpStatusCode.UnsupportedMediaType, "unsupported-media-type");

    [Fact]
    public async Task Parameters_and_bodies_that_cannot_be_bound_are_400_problem_details()
    {
        var limit = await ExpectProblem(await _admin.GetAsync("/api/v1/events?limit=many"), HttpStatusCode.BadRequest, "invalid-request");
        Assert.Contains("limit", (string)limit["detail"]!);
        await ExpectProblem(await _admin.GetAsync("/api/v1/deliveries?since=yesterday"), HttpStatusCode.BadRequest, "invalid-request");
        await ExpectProblem(await _admin.PostAsync("/api/v1/partners", new StringContent("{\"name\":", Encoding.UTF8, "application/json")),
            HttpStatusCode.BadRequest, "malformed-json");
        await ExpectProblem(await _admin.PostAsync("/api/v1/partners", new StringContent("{\"name\":[1]}", Encoding.UTF8, "application/json")),
            HttpStatusCode.BadRequest, "malformed-json");
        await ExpectProblem(await _admin.PostAsync("/api/v1/partners", new ByteArrayContent([]) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } }),
            HttpStatusCode.BadRequest, "invalid-request");
    }

    [Theory]
    [InlineData("/api/v1/events")]
    [InlineData("/api/v1/subscriptions")]
    [InlineData("/api/v1/deliveries")]
    [InlineData("/api/v1/partners")]
    [InlineData("/api/v1/api-keys")]
    [InlineData("/api/v1/event-types")]
    public async Task A_forged_cursor_is_400_not_the_first_page(string list)
    {
        foreach (var forged in new[] { "not a name!", "../../etc", "1; DROP TABLE x", "00000000-0000-0000-0000-00000000000!" })
        {
            var cursor = Base64Url.EncodeToString(Encoding.UTF8.GetBytes(forged));
            var problem = await ExpectProblem(await _admin.GetAsync($"{list}?cursor={cursor}"), HttpStatusCode.BadRequest, "validation");
            Assert.NotNull(problem["errors"]!["cursor"]);
        }
        await ExpectProblem(await _admin.GetAsync($"{list}?cursor=%25%25%25"), HttpStatusCode.BadRequest, "validation");
    }

    [Fact]
    public async Task Text_the_database_cannot_store_is_400_and_stores_nothing()
    {
        await ExpectProblem(await _admin.GetAsync("/api/v1/events?type=%00"), HttpStatusCode.BadRequest, "invalid-request");
        var name = "nul " + Guid.NewGuid();
        await ExpectProblem(await _admin.PostAsync("/api/v1/partners", new StringContent($$"""{"name":"{{name}}\u0000"}""", Encoding.UTF8, "application/json")),
            HttpStatusCode.BadRequest, "invalid-request");
        var partners = await _admin.GetAsync("/api/v1/partners?limit=500").Expect(HttpStatusCode.OK);
        Assert.DoesNotContain(name, partners.ToJsonString());
    }

    [Fact]
    public async Task An_unknown_page_of_the_UI_is_left_to_the_UI()
    {
        var response = await app.Client(apiKey: null).GetAsync("/no-such-page");
        Assert.NotEqual("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
