using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Ingest;

/// <summary>
/// Runs the app as its own process: the regex match timeout is process-wide and set first thing in
/// Program, which an in-memory test host, whose process has used Regex already, cannot show.
/// </summary>
public sealed class RegexSafetyTests
{
    [Fact]
    public async Task A_catastrophic_pattern_in_a_schema_cannot_hang_a_request()
    {
        await using var app = await AppProcess.StartAsync(await TestPostgres.CreateDatabaseAsync());
        var admin = app.Client();
        var type = await admin.CreateEventType(schema: JsonNode.Parse("""{"type":"object","properties":{"s":{"type":"string","pattern":"^(a+)+$"}}}"""));

        var response = await admin.PostAsJsonAsync("/api/v1/events", new { type, payload = new { s = new string('a', 40) + "!" } });

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        await admin.PostAsJsonAsync("/api/v1/events", new { type, payload = new { s = "aaaa" } }).Expect(HttpStatusCode.Accepted);
    }
}
