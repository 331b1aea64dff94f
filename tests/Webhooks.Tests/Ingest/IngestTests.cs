using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Npgsql;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Ingest;

public sealed class IngestTests(WebhooksApp app) : IClassFixture<WebhooksApp>
{
    private readonly HttpClient _admin = app.Client();

    private async Task<long> Count(string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters) command.Parameters.Add(new NpgsqlParameter { Value = p });
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private static StringContent Json(string body) => new(body, Encoding.UTF8, "application/json");

    [Fact]
    public async Task An_accepted_event_is_stored_with_one_delivery_per_matching_subscription()
    {
        var type = await _admin.CreateEventType(Api.UniqueName("shop"));
        var partner = await _admin.CreatePartner();
        var other = await _admin.CreatePartner();
        await _admin.CreateSubscription(partner, "https://example.com/a", type);
        await _admin.CreateSubscription(partner, "https://example.com/b", type.Split('.')[0] + ".*");
        await _admin.CreateSubscription(other, "https://example.com/c", "*");
        await _admin.CreateSubscription(other, "https://example.com/d", "nothing.*");
        var producer = app.Client(await _admin.CreateKey("ingest"));

        var accepted = await producer.PostAsJsonAsync("/api/v1/events", new { type, payload = new { orderId = "o-1", amount = 5 } })
            .Expect(HttpStatusCode.Accepted);

        Assert.Equal(3, (int)accepted["deliveries"]!);
        var id = Guid.Parse((string)accepted["id"]!);
        Assert.Equal(1, await Count("SELECT count(*) FROM events WHERE id = $1", id));
        Assert.Equal(3, await Count("SELECT count(*) FROM deliveries WHERE event_id = $1 AND status = 'pending'", id));
        var read = await _admin.GetAsync($"/api/v1/events/{id}").Expect(HttpStatusCode.OK);
        Assert.Equal("o-1", (string)read["payload"]!["orderId"]!);
        Assert.Equal(3, read["deliveries"]!.AsArray().Count);
    }

    [Fact]
    public async Task The_payload_is_stored_exactly_as_posted()
    {
        var type = await _admin.CreateEventType();
        const string payload = """{ "orderId" : "o-2",   "amount": 1.50, "zeta": 1, "alpha": 2 }""";
        var accepted = await _admin.PostAsync("/api/v1/events", Json($$"""{"type":"{{type}}","payload":{{payload}}}"""))
            .Expect(HttpStatusCode.Accepted);
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT payload::text FROM events WHERE id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = Guid.Parse((string)accepted["id"]!) });
        Assert.Equal(payload, (string)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Delivery_ids_carry_the_millisecond_of_their_created_at_so_time_filters_can_seek_by_id()
    {
        var type = await _admin.CreateEventType();
        var partner = await _admin.CreatePartner();
        await _admin.CreateSubscription(partner, "https://example.com/a", type);
        await _admin.CreateSubscription(partner, "https://example.com/b", type);
        var events = Enumerable.Range(0, 200).Select(i => new { type, payload = new { orderId = $"o-{i}", amount = i } });
        await _admin.PostAsJsonAsync("/api/v1/events/batch", new { events }).Expect(HttpStatusCode.OK);

        Assert.Equal(400, await Count("SELECT count(*) FROM deliveries d JOIN events e ON e.id = d.event_id WHERE e.type = $1", type));
        // The first 48 bits of a UUIDv7 are its Unix milliseconds.
        Assert.Equal(0, await Count("""
            SELECT count(*) FROM deliveries d JOIN events e ON e.id = d.event_id
            WHERE e.type = $1
              AND ('x' || substr(replace(d.id::text, '-', ''), 1, 12))::bit(48)::bigint <> floor(extract(epoch FROM d.created_at) * 1000)::bigint
            """, type));
    }

    [Fact]
    public async Task A_partner_targeted_event_goes_only_to_that_partners_subscriptions()
    {
        var type = await _admin.CreateEventType();
        var partner = await _admin.CreatePartner();
        var other = await _admin.CreatePartner();
        var mine = await _admin.CreateSubscription(partner, "https://example.com/mine", type);
        await _admin.CreateSubscription(other, "https://example.com/theirs", type);

        var accepted = await _admin.PostAsJsonAsync("/api/v1/events", new { type, partnerId = partner, payload = new { orderId = "o", amount = 1 } })
            .Expect(HttpStatusCode.Accepted);

        Assert.Equal(1, (int)accepted["deliveries"]!);
        Assert.Equal(1, await Count("SELECT count(*) FROM deliveries WHERE event_id = $1 AND subscription_id = $2",
            Guid.Parse((string)accepted["id"]!), Guid.Parse((string)mine["id"]!)));
    }

    [Fact]
    public async Task A_disabled_subscription_gets_a_paused_delivery()
    {
        var type = await _admin.CreateEventType();
        var partner = await _admin.CreatePartner();
        var subscription = await _admin.CreateSubscription(partner, "https://example.com/off", type);
        await _admin.PatchAsJsonAsync($"/api/v1/subscriptions/{subscription["id"]}", new { enabled = false }).Expect(HttpStatusCode.OK);

        var accepted = await _admin.PostAsJsonAsync("/api/v1/events", new { type, payload = new { orderId = "o", amount = 1 } })
            .Expect(HttpStatusCode.Accepted);

        Assert.Equal(1, await Count("SELECT count(*) FROM deliveries WHERE event_id = $1 AND status = 'paused'", Guid.Parse((string)accepted["id"]!)));
    }

    [Fact]
    public async Task A_payload_failing_the_schema_is_422_with_every_failing_path_and_stores_nothing()
    {
        var type = await _admin.CreateEventType();
        var before = await Count("SELECT count(*) FROM events WHERE type = $1", type);

        var problem = await _admin.PostAsJsonAsync("/api/v1/events",
                new { type, payload = new { amount = -1, items = new object[] { new { sku = "a" }, new { qty = 2 } } } })
            .Expect(HttpStatusCode.UnprocessableEntity);

        var errors = problem["errors"]!.AsObject();
        Assert.Contains("$.payload.orderId", errors.Select(e => e.Key));
        Assert.Contains("$.payload.amount", errors.Select(e => e.Key));
        Assert.Contains("$.payload.items[1].sku", errors.Select(e => e.Key));
        Assert.Equal(before, await Count("SELECT count(*) FROM events WHERE type = $1", type));
    }

    [Theory]
    [InlineData("{\"type\": \"x\", \"payload\": {", "malformed-json")]
    [InlineData("not json", "malformed-json")]
    [InlineData("{\"payload\": {}}", "validation")]
    [InlineData("[1, 2]", "validation")]
    public async Task Malformed_or_incomplete_requests_are_400(string body, string problemType)
    {
        var response = await _admin.PostAsync("/api/v1/events", Json(body));
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("urn:webhooks:problem:" + problemType, (string)(await response.ReadJson())["type"]!);
    }

    [Fact]
    public async Task Json_nested_deeper_than_64_levels_is_400_and_stores_nothing()
    {
        var type = await _admin.CreateEventType(schema: new JsonObject());
        var before = await Count("SELECT count(*) FROM events WHERE type = $1", type);
        var deep = new string('[', 70) + new string(']', 70);
        var problem = await _admin.PostAsync("/api/v1/events", Json($$"""{"type":"{{type}}","payload":{{deep}}}"""))
            .Expect(HttpStatusCode.BadRequest);
        Assert.Equal("urn:webhooks:problem:too-deep", (string)problem["type"]!);
        Assert.Equal(before, await Count("SELECT count(*) FROM events WHERE type = $1", type));

        var shallow = new string('[', 60) + new string(']', 60);
        await _admin.PostAsync("/api/v1/events", Json($$"""{"type":"{{type}}","payload":{{shallow}}}""")).Expect(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task A_body_over_the_limit_is_413_before_it_is_read()
    {
        var type = await _admin.CreateEventType(schema: new JsonObject());
        var big = $$$"""{"type":"{{{type}}}","payload":{"blob":"{{{new string('x', 300_000)}}}"}}""";
        var problem = await _admin.PostAsync("/api/v1/events", Json(big)).Expect(HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("urn:webhooks:problem:body-too-large", (string)problem["type"]!);

        // Without a Content-Length the limit still holds while reading.
        var streamed = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes(big)));
        streamed.Headers.ContentType = new("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events") { Content = streamed };
        request.Headers.TransferEncodingChunked = true;
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, (await _admin.SendAsync(request)).StatusCode);
        Assert.Equal(0, await Count("SELECT count(*) FROM events WHERE type = $1", type));
    }

    [Fact]
    public async Task A_streamed_body_without_a_length_is_read_whole_however_large_within_the_limit()
    {
        var type = await _admin.CreateEventType(schema: new JsonObject());
        var payload = $$"""{"blob":"{{string.Concat(Enumerable.Range(0, 20_000).Select(i => (char)('a' + i % 26)))}}","n":[1,2,3]}""";
        var streamed = new StreamContent(new MemoryStream(Encoding.UTF8.GetBytes($$"""{"type":"{{type}}","payload":{{payload}}}""")));
        streamed.Headers.ContentType = new("application/json");
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events") { Content = streamed };
        request.Headers.TransferEncodingChunked = true;

        var accepted = await _admin.SendAsync(request).Expect(HttpStatusCode.Accepted);

        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT payload::text FROM events WHERE id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = Guid.Parse((string)accepted["id"]!) });
        Assert.Equal(payload, (string)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Unknown_and_archived_event_types_are_422()
    {
        var unknown = await _admin.PostAsJsonAsync("/api/v1/events", new { type = "no.such.type", payload = new { } })
            .Expect(HttpStatusCode.UnprocessableEntity);
        Assert.Equal("urn:webhooks:problem:unknown-event-type", (string)unknown["type"]!);

        var type = await _admin.CreateEventType();
        await _admin.DeleteAsync($"/api/v1/event-types/{type}").Expect(HttpStatusCode.NoContent);
        var archived = await _admin.PostAsJsonAsync("/api/v1/events", new { type, payload = new { orderId = "o", amount = 1 } })
            .Expect(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("archived", (string)archived["title"]!);
    }

    [Fact]
    public async Task An_unknown_partner_is_422()
    {
        var type = await _admin.CreateEventType();
        var problem = await _admin.PostAsJsonAsync("/api/v1/events", new { type, partnerId = Guid.NewGuid(), payload = new { orderId = "o", amount = 1 } })
            .Expect(HttpStatusCode.UnprocessableEntity);
        Assert.Equal("urn:webhooks:problem:unknown-partner", (string)problem["type"]!);
    }

    [Fact]
    public async Task Ingest_needs_a_key_with_the_ingest_or_admin_scope()
    {
        var type = await _admin.CreateEventType();
        var body = new { type, payload = new { orderId = "o", amount = 1 } };
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client(apiKey: null).PostAsJsonAsync("/api/v1/events", body)).StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client("whk_unknown").PostAsJsonAsync("/api/v1/events", body)).StatusCode);
        var partnerKey = await _admin.CreatePartnerKey(await _admin.CreatePartner());
        Assert.Equal(HttpStatusCode.Forbidden, (await app.Client(partnerKey).PostAsJsonAsync("/api/v1/events", body)).StatusCode);
        await app.Client(await _admin.CreateKey("ingest")).PostAsJsonAsync("/api/v1/events", body).Expect(HttpStatusCode.Accepted);
    }

    [Fact]
    public async Task A_new_schema_version_applies_to_the_next_event()
    {
        var type = await _admin.CreateEventType();
        await _admin.PostAsJsonAsync("/api/v1/events", new { type, payload = new { orderId = "o", amount = 1 } }).Expect(HttpStatusCode.Accepted);
        var stricter = Api.OrderSchema.DeepClone();
        stricter["required"]!.AsArray().Add("currency");
        await _admin.PutAsJsonAsync($"/api/v1/event-types/{type}", new { schema = stricter }).Expect(HttpStatusCode.OK);
        var problem = await _admin.PostAsJsonAsync("/api/v1/events", new { type, payload = new { orderId = "o", amount = 1 } })
            .Expect(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("$.payload.currency", problem["errors"]!.AsObject().Select(e => e.Key));
    }

    [Fact]
    public async Task Formats_in_a_schema_are_checked()
    {
        var type = await _admin.CreateEventType(schema: JsonNode.Parse("""{"type":"object","properties":{"at":{"type":"string","format":"date-time"},"mail":{"type":"string","format":"email"}}}"""));
        var problem = await _admin.PostAsJsonAsync("/api/v1/events", new { type, payload = new { at = "yesterday", mail = "nobody" } })
            .Expect(HttpStatusCode.UnprocessableEntity);
        Assert.Contains("$.payload.at", problem["errors"]!.AsObject().Select(e => e.Key));
        Assert.Contains("$.payload.mail", problem["errors"]!.AsObject().Select(e => e.Key));
        await _admin.PostAsJsonAsync("/api/v1/events", new { type, payload = new { at = "2026-11-22T08:30:00Z", mail = "a@example.com" } })
            .Expect(HttpStatusCode.Accepted);
    }
}
