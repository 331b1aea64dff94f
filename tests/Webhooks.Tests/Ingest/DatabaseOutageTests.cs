using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Webhooks.Data;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Ingest;

/// <summary>Ingest over a PostgreSQL cluster of its own, which the test stops and starts again.</summary>
public sealed class DatabaseOutageTests : IAsyncLifetime
{
    private LocalPostgres _cluster = null!;
    private ConfiguredApp _app = null!;

    public async Task InitializeAsync()
    {
        _cluster = await TestPostgres.StartPrivateClusterAsync();
        _app = new ConfiguredApp(new Dictionary<string, string?> { ["ConnectionStrings:Webhooks"] = _cluster.ConnectionString });
        await _app.InitializeAsync();
    }

    public async Task DisposeAsync()
    {
        await _app.DisposeAsync();
        TestPostgres.Remove(_cluster);
    }

    [Fact]
    public async Task While_the_database_is_down_ingest_answers_503_with_Retry_After_and_recovers_by_itself()
    {
        var admin = _app.Client();
        var type = await admin.CreateEventType();
        var producer = _app.Client(await admin.CreateKey("ingest"));
        var body = new { type, payload = new { orderId = "o", amount = 1 } };
        var before = await producer.PostAsJsonAsync("/api/v1/events", body).Expect(HttpStatusCode.Accepted);

        _cluster.Stop(immediate: true);
        var clock = Stopwatch.StartNew();
        var during = await producer.PostAsJsonAsync("/api/v1/events", body);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, during.StatusCode);
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(10), $"the 503 took {clock.Elapsed}");
        Assert.NotNull(during.Headers.RetryAfter);
        Assert.Equal("urn:webhooks:problem:database-unavailable", (string)(await during.ReadJson())["type"]!);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await producer.GetAsync("/readyz")).StatusCode);

        await _cluster.StartAsync();
        var after = await producer.PostAsJsonAsync("/api/v1/events", body).Expect(HttpStatusCode.Accepted);
        await admin.GetAsync($"/api/v1/events/{before["id"]}").Expect(HttpStatusCode.OK);
        await admin.GetAsync($"/api/v1/events/{after["id"]}").Expect(HttpStatusCode.OK);
        var all = await admin.GetAsync($"/api/v1/events?type={type}").Expect(HttpStatusCode.OK);
        Assert.Equal(2, all["data"]!.AsArray().Count);
    }
}
