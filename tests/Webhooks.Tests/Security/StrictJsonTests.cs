using System.Net;
using System.Net.Http.Headers;
using System.Text;
using Npgsql;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Security;

/// <summary>JSON that could mean two things is malformed: duplicate member names, bytes that are not UTF-8, unpaired surrogates, numbers beyond a double.</summary>
public sealed class StrictJsonTests(WebhooksApp app) : IClassFixture<WebhooksApp>
{
    private readonly HttpClient _admin = app.Client();

    private static ByteArrayContent Body(byte[] bytes) => new(bytes) { Headers = { ContentType = new MediaTypeHeaderValue("application/json") } };

    private static byte[] Utf8(string text) => Encoding.UTF8.GetBytes(text);

    private static byte[] Splice(string before, byte[] middle, string after) => [.. Utf8(before), .. middle, .. Utf8(after)];

    private async Task<long> Count(string sql, object parameter)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection) { Parameters = { new() { Value = parameter } } };
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task ExpectMalformed(string path, byte[] body)
    {
        var response = await _admin.PostAsync(path, Body(body));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{path} {Encoding.UTF8.GetString(body)}: {(int)response.StatusCode} {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("\"urn:webhooks:problem:malformed-json\"", text);
    }

    public static TheoryData<string, byte[]> AmbiguousPayloads() => new()
    {
        { "a duplicate member in the payload", Utf8("""{"orderId":"o","amount":-5,"amount":1}""") },
        { "a duplicate written with an escape", Utf8("""{"orderId":"o","amount":1,"\u0061mount":2}""") },
        { "bytes FF FE", Splice("{\"orderId\":\"", [0xff, 0xfe], "\",\"amount\":1}") },
        { "an encoded surrogate", Splice("{\"orderId\":\"", [0xed, 0xa0, 0x80], "\",\"amount\":1}") },
        { "invalid UTF-8 in a member name", Splice("{\"orderId\":\"o\",\"amount\":1,\"", [0xc3, 0x28], "\":1}") },
        { "a lone high surrogate escape", Utf8("""{"orderId":"\ud800","amount":1}""") },
        { "a lone low surrogate escape in a name", Utf8("""{"orderId":"o","amount":1,"\udc00":1}""") },
        { "a number beyond a double", Utf8("""{"orderId":"o","amount":1e400}""") },
        { "a negative number beyond a double", Utf8("""{"orderId":"o","amount":-1e400}""") },
        { "an integer of 400 digits", Utf8($$"""{"orderId":"o","amount":{{new string('9', 400)}}}""") },
    };

    [Theory]
    [MemberData(nameof(AmbiguousPayloads))]
    public async Task An_event_whose_payload_could_mean_two_things_is_malformed_and_stores_nothing(string what, byte[] payload)
    {
        Assert.NotNull(what);
        var type = await _admin.CreateEventType();
        var envelope = Splice($$"""{"type":"{{type}}","payload":""", payload, "}");

        await ExpectMalformed("/api/v1/events", envelope);
        await ExpectMalformed("/api/v1/events/batch", Splice("""{"events":[""", envelope, "]}"));

        Assert.Equal(0, await Count("SELECT count(*) FROM events WHERE type = $1", type));
    }

    [Fact]
    public async Task A_type_named_twice_is_malformed_not_the_second_one()
    {
        var type = await _admin.CreateEventType();
        await ExpectMalformed("/api/v1/events", Utf8($$$"""{"type":"x","type":"{{{type}}}","payload":{"orderId":"o","amount":1}}"""));
        Assert.Equal(0, await Count("SELECT count(*) FROM events WHERE type = $1", type));
    }

    [Fact]
    public async Task JSON_that_only_looks_odd_is_still_accepted()
    {
        var type = await _admin.CreateEventType();
        foreach (var amount in new[] { "1.7976931348623157e308", "1e-400", "-0", "123456789012345678901234567890" })
        {
            var response = await _admin.PostAsync("/api/v1/events", Body(Utf8($$$"""{"type":"{{{type}}}","payload":{"orderId":"\ud83d\ude00 é","amount":{{{amount}}}}}""")));
            // An integer beyond a decimal cannot be held to the schema's minimum: not malformed, but not valid either.
            var expected = amount.Length > 28 ? HttpStatusCode.UnprocessableEntity : HttpStatusCode.Accepted;
            Assert.True(response.StatusCode == expected, $"{amount}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        }
    }

    public static TheoryData<string> AmbiguousSchemas() =>
    [
        """{"type":"object","type":"string"}""",
        """{"type":"object","properties":{"a":{"type":"number","maximum":1e400}}}""",
        """{"type":"object","title":"\udfff"}""",
    ];

    [Theory]
    [MemberData(nameof(AmbiguousSchemas))]
    public async Task A_management_body_that_could_mean_two_things_is_malformed_and_stores_nothing(string schema)
    {
        var name = Api.UniqueName("strict");
        await ExpectMalformed("/api/v1/event-types", Utf8($$"""{"name":"{{name}}","schema":{{schema}}}"""));
        await _admin.GetAsync($"/api/v1/event-types/{name}").Expect(HttpStatusCode.NotFound);

        var partner = await _admin.CreatePartner();
        await ExpectMalformed("/api/v1/subscriptions",
            Utf8($$"""{"partnerId":"{{partner}}","url":"https://a.example/x","url":"https://b.example/y","eventTypes":["*"]}"""));
        await ExpectMalformed("/api/v1/subscriptions", Splice($"{{\"partnerId\":\"{partner}\",\"url\":\"https://a.example/", [0xff], "\",\"eventTypes\":[\"*\"]}"));
        Assert.Equal(0, await Count("SELECT count(*) FROM subscriptions WHERE partner_id = $1", partner));
    }
}
