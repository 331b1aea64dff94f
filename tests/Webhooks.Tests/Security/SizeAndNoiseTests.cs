using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Security;

/// <summary>Schemas have a size limit, a request has one Idempotency-Key, guessing keys is throttled, and a client hanging up is no error.</summary>
public sealed class SizeAndNoiseTests(WebhooksApp app) : IClassFixture<WebhooksApp>
{
    private readonly HttpClient _admin = app.Client();

    private static JsonObject SchemaOfSize(int bytes)
    {
        var schema = new JsonObject { ["type"] = "object", ["description"] = "" };
        schema["description"] = new string('x', bytes - schema.ToJsonString().Length);
        return schema;
    }

    [Fact]
    public async Task A_schema_over_256_KiB_is_refused_and_one_at_the_limit_is_registered()
    {
        var name = Api.UniqueName("big");
        var problem = await _admin.PostAsJsonAsync("/api/v1/event-types", new { name, schema = SchemaOfSize(262_145) }).Expect(HttpStatusCode.UnprocessableEntity);
        Assert.Equal("urn:webhooks:problem:invalid-schema", (string)problem["type"]!);
        Assert.Contains("262144 bytes", (string)problem["errors"]!["$.schema"]![0]!);
        await _admin.GetAsync($"/api/v1/event-types/{name}").Expect(HttpStatusCode.NotFound);

        await _admin.PostAsJsonAsync("/api/v1/event-types", new { name, schema = SchemaOfSize(262_144) }).Expect(HttpStatusCode.Created);
        await _admin.PutAsJsonAsync($"/api/v1/event-types/{name}", new { schema = SchemaOfSize(3_500_000) }).Expect(HttpStatusCode.UnprocessableEntity);
        var read = await _admin.GetAsync($"/api/v1/event-types/{name}").Expect(HttpStatusCode.OK);
        Assert.Equal(1, (int)read["version"]!);
    }

    [Fact]
    public async Task Two_Idempotency_Key_headers_are_400_and_store_nothing()
    {
        var type = await _admin.CreateEventType();
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events")
        {
            Content = JsonContent.Create(new { type, payload = new { orderId = "o-1", amount = 1 } }),
        };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", ["first", "second"]);

        var problem = await _admin.SendAsync(request).Expect(HttpStatusCode.BadRequest);

        Assert.Equal("urn:webhooks:problem:invalid-idempotency-key", (string)problem["type"]!);
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var count = new NpgsqlCommand("SELECT count(*) FROM events WHERE type = $1", connection) { Parameters = { new() { Value = type } } };
        Assert.Equal(0L, await count.ExecuteScalarAsync());
    }

    [Fact]
    public async Task An_address_that_sends_too_many_unknown_keys_is_throttled_and_known_keys_keep_working()
    {
        await using var limited = new ConfiguredApp(new Dictionary<string, string?> { ["Webhooks:Limits:FailedKeyAttemptsPerMinute"] = "5" });
        await limited.InitializeAsync();
        var admin = limited.Client();
        await admin.GetAsync("/api/v1/partners").Expect(HttpStatusCode.OK);
        var guesser = limited.Client("whk_guess-0000000000000000000000");

        for (var i = 0; i < 5; i++) await guesser.GetAsync("/api/v1/partners").Expect(HttpStatusCode.Unauthorized);
        var throttled = await guesser.GetAsync("/api/v1/partners");

        Assert.Equal(HttpStatusCode.TooManyRequests, throttled.StatusCode);
        Assert.Equal("urn:webhooks:problem:too-many-failed-attempts", (string)(await throttled.ReadJson())["type"]!);
        Assert.True(throttled.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1));
        // A key this instance knows already is not a guess; endpoints without a key are not throttled.
        await admin.GetAsync("/api/v1/partners").Expect(HttpStatusCode.OK);
        await limited.Client(apiKey: null).GetAsync("/healthz").Expect(HttpStatusCode.OK);
    }

    [Fact]
    public async Task Uploads_the_client_abandons_or_sends_too_slowly_are_not_logged_as_errors()
    {
        await using var process = await AppProcess.StartAsync(await TestPostgres.CreateDatabaseAsync());
        var admin = process.Client();
        var key = await admin.CreateKey("ingest");
        var type = await admin.CreateEventType();

        var slow = Enumerable.Range(0, 3).Select(_ => SlowUpload(process.Address, key, type)).ToList();
        await Task.WhenAll(Enumerable.Range(0, 40).Select(i => AbandonedUpload(process.Address, key, type, reset: i % 2 == 0)));
        // The slow uploads end when the app gives up on them (Kestrel's minimum data rate), seconds after the abandoned ones.
        await Task.WhenAll(slow);

        await process.Client(key).PostAsJsonAsync("/api/v1/events", new { type, payload = new { orderId = "o", amount = 1 } }).Expect(HttpStatusCode.Accepted);
        var errors = process.Lines.Where(l => l.StartsWith("fail:") || l.StartsWith("crit:")).ToList();
        Assert.True(errors.Count == 0, string.Join('\n', process.Lines.TakeLast(60)));
    }

    private static string Head(Uri address, string key) =>
        $"POST /api/v1/events HTTP/1.1\r\nHost: {address.Authority}\r\nAuthorization: Bearer {key}\r\nContent-Type: application/json\r\nContent-Length: 100000\r\n\r\n";

    /// <summary>Sends the headers and part of the body, then hangs up: a FIN, or a reset.</summary>
    private static async Task AbandonedUpload(Uri address, string key, string type, bool reset)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(address.Host, address.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(Head(address, key) + $$"""{"type":"{{type}}","payload":{"orderId":"{{new string('o', 2000)}}"""));
        await stream.FlushAsync();
        if (reset) client.Client.LingerState = new LingerOption(true, 0);
        client.Close();
    }

    /// <summary>Sends a byte every half second until the app closes the connection.</summary>
    private static async Task SlowUpload(Uri address, string key, string type)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(address.Host, address.Port);
        var stream = client.GetStream();
        await stream.WriteAsync(Encoding.ASCII.GetBytes(Head(address, key) + $$"""{"type":"{{type}}","""));
        var deadline = DateTime.UtcNow.AddSeconds(60);
        try
        {
            while (DateTime.UtcNow < deadline && client.Available == 0)
            {
                await stream.WriteAsync(" "u8.ToArray());
                await Task.Delay(500);
            }
        }
        catch (IOException) { } // the app closed the connection
        Assert.True(DateTime.UtcNow < deadline, "the app kept reading a body that arrived at 2 bytes a second");
    }
}
