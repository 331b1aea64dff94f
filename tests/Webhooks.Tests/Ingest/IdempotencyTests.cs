using System.Net;
using System.Net.Http.Json;
using Npgsql;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Ingest;

public sealed class IdempotencyTests(WebhooksApp app) : IClassFixture<WebhooksApp>
{
    private readonly HttpClient _admin = app.Client();

    private static HttpRequestMessage Post(string key, object body)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events") { Content = JsonContent.Create(body) };
        request.Headers.Add("Idempotency-Key", key);
        return request;
    }

    private async Task<long> EventsOfType(string type)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM events WHERE type = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = type });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    [Fact]
    public async Task A_repeat_returns_the_original_event_and_creates_nothing()
    {
        var type = await _admin.CreateEventType();
        await _admin.CreateSubscription(await _admin.CreatePartner(), "https://example.com/i", type);
        var body = new { type, payload = new { orderId = "o-1", amount = 3 } };
        var key = Guid.NewGuid().ToString();

        var first = await _admin.SendAsync(Post(key, body)).Expect(HttpStatusCode.Accepted);
        var again = await _admin.SendAsync(Post(key, body)).Expect(HttpStatusCode.Accepted);

        Assert.Equal((string)first["id"]!, (string)again["id"]!);
        Assert.Equal((string)first["createdAt"]!, (string)again["createdAt"]!);
        Assert.Equal(1, (int)again["deliveries"]!);
        Assert.Equal(1, await EventsOfType(type));
    }

    [Fact]
    public async Task The_same_key_with_another_body_is_409()
    {
        var type = await _admin.CreateEventType();
        var key = Guid.NewGuid().ToString();
        await _admin.SendAsync(Post(key, new { type, payload = new { orderId = "o-1", amount = 3 } })).Expect(HttpStatusCode.Accepted);
        var conflict = await _admin.SendAsync(Post(key, new { type, payload = new { orderId = "o-1", amount = 4 } })).Expect(HttpStatusCode.Conflict);
        Assert.Equal("urn:webhooks:problem:conflict", (string)conflict["type"]!);
        Assert.Equal(1, await EventsOfType(type));
    }

    [Fact]
    public async Task Twenty_concurrent_posts_with_one_key_create_exactly_one_event()
    {
        var type = await _admin.CreateEventType();
        var body = new { type, payload = new { orderId = "o-1", amount = 3 } };
        var key = Guid.NewGuid().ToString();

        var responses = await Task.WhenAll(Enumerable.Range(0, 20).Select(_ => _admin.SendAsync(Post(key, body))));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        var ids = await Task.WhenAll(responses.Select(async r => (string)(await r.ReadJson())["id"]!));
        Assert.Single(ids.Distinct());
        Assert.Equal(1, await EventsOfType(type));
    }

    [Fact]
    public async Task Keys_belong_to_the_api_key_that_used_them()
    {
        var type = await _admin.CreateEventType();
        var body = new { type, payload = new { orderId = "o-1", amount = 3 } };
        var key = Guid.NewGuid().ToString();
        var producer = app.Client(await _admin.CreateKey("ingest"));

        var mine = await _admin.SendAsync(Post(key, body)).Expect(HttpStatusCode.Accepted);
        var theirs = await producer.SendAsync(Post(key, body)).Expect(HttpStatusCode.Accepted);

        Assert.NotEqual((string)mine["id"]!, (string)theirs["id"]!);
    }

    [Fact]
    public async Task An_expired_key_can_be_used_again()
    {
        var type = await _admin.CreateEventType();
        var body = new { type, payload = new { orderId = "o-1", amount = 3 } };
        var key = Guid.NewGuid().ToString();
        var first = await _admin.SendAsync(Post(key, body)).Expect(HttpStatusCode.Accepted);
        await using (var connection = new NpgsqlConnection(app.ConnectionString))
        {
            await connection.OpenAsync();
            await using var expire = new NpgsqlCommand("UPDATE idempotency_keys SET expires_at = now() - interval '1 second' WHERE key = $1", connection);
            expire.Parameters.Add(new NpgsqlParameter { Value = key });
            Assert.Equal(1, await expire.ExecuteNonQueryAsync());
        }

        var second = await _admin.SendAsync(Post(key, body)).Expect(HttpStatusCode.Accepted);

        Assert.NotEqual((string)first["id"]!, (string)second["id"]!);
        Assert.Equal(2, await EventsOfType(type));
    }

    [Theory]
    [InlineData("tab\tinside")]
    [InlineData("ключ")]
    public async Task A_malformed_key_is_400(string key)
    {
        var type = await _admin.CreateEventType();
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events") { Content = JsonContent.Create(new { type, payload = new { orderId = "o", amount = 1 } }) };
        request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        var problem = await _admin.SendAsync(request).Expect(HttpStatusCode.BadRequest);
        Assert.Equal("urn:webhooks:problem:invalid-idempotency-key", (string)problem["type"]!);
        Assert.Equal(0, await EventsOfType(type));
    }

    [Fact]
    public async Task A_key_of_256_characters_is_400()
    {
        var type = await _admin.CreateEventType();
        await _admin.SendAsync(Post(new string('k', 256), new { type, payload = new { orderId = "o", amount = 1 } })).Expect(HttpStatusCode.BadRequest);
        await _admin.SendAsync(Post(new string('k', 255), new { type, payload = new { orderId = "o", amount = 1 } })).Expect(HttpStatusCode.Accepted);
    }
}
