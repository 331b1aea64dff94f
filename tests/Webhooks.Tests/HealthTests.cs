using System.Net;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests;

public sealed class HealthTests(WebhooksApp app) : IClassFixture<WebhooksApp>
{
    [Fact]
    public async Task Healthz_and_readyz_answer_200_when_the_database_is_migrated()
    {
        var client = app.Client(apiKey: null);
        await client.GetAsync("/healthz").Expect(HttpStatusCode.OK);
        var ready = await client.GetAsync("/readyz").Expect(HttpStatusCode.OK);
        Assert.Equal("ready", (string)ready["status"]!);
    }

    [Fact]
    public async Task The_OpenAPI_document_describes_the_API_and_has_a_reference_page()
    {
        var client = app.Client(apiKey: null);
        var document = await client.GetAsync("/openapi/v1.json").Expect(HttpStatusCode.OK);
        Assert.NotNull(document["paths"]!["/api/v1/subscriptions"]);
        Assert.NotNull(document["paths"]!["/api/v1/event-types/{name}"]);
        var page = await client.GetAsync("/api-docs/index.html");
        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
    }
}
