using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.CloudEvents;

/// <summary>CloudEvents on POST /api/v1/events: structured, binary and batch, each valid, invalid in every way, and repeated.</summary>
public sealed class CloudEventIngestTests(WebhooksApp app) : IClassFixture<WebhooksApp>
{
    private readonly HttpClient _admin = app.Client();

    private static StringContent Structured(string json) => new(json, Encoding.UTF8, "application/cloudevents+json");

    private static string Event(string type, string id, string source = "/shop/orders", string data = """{"orderId":"o-1","amount":5}""", string extra = "") =>
        $$"""{"specversion":"1.0","id":"{{id}}","source":"{{source}}","type":"{{type}}"{{extra}},"data":{{data}}}""";

    private static HttpRequestMessage Binary(string type, string id, string body, string contentType = "application/json", params (string, string)[] more)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events") { Content = new StringContent(body, Encoding.UTF8) };
        request.Content.Headers.ContentType = System.Net.Http.Headers.MediaTypeHeaderValue.Parse(contentType);
        foreach (var (name, value) in new[] { ("ce-specversion", "1.0"), ("ce-id", id), ("ce-source", "/shop/orders"), ("ce-type", type) }.Concat(more))
        {
            request.Headers.Remove(name);
            if (value.Length > 0) request.Headers.TryAddWithoutValidation(name, value);
        }
        return request;
    }

    private Task<long> EventsOf(string type) => DeliveryData.Scalar<long>(app.ConnectionString, "SELECT count(*) FROM events WHERE type = $1", type);

    [Fact]
    public async Task A_structured_CloudEvent_is_stored_with_its_attributes_and_fanned_out()
    {
        var type = await _admin.CreateEventType();
        await _admin.CreateSubscription(await _admin.CreatePartner(), "https://example.com/ce", type);
        const string data = """{ "orderId" : "o-1",  "amount": 5.50 }""";
        var json = Event(type, "ord-1", data: data, extra: ""","subject":"orders/o-1","time":"2026-11-22T08:30:00Z","tenant":"acme","priority":3""");

        var accepted = await _admin.PostAsync("/api/v1/events", Structured(json)).Expect(HttpStatusCode.Accepted);

        Assert.Equal(type, (string)accepted["type"]!);
        Assert.Equal(1, (int)accepted["deliveries"]!);
        var read = await _admin.GetAsync($"/api/v1/events/{accepted["id"]}").Expect(HttpStatusCode.OK);
        var attributes = read["cloudEvent"]!;
        Assert.Equal("1.0", (string)attributes["specversion"]!);
        Assert.Equal("ord-1", (string)attributes["id"]!);
        Assert.Equal("/shop/orders", (string)attributes["source"]!);
        Assert.Equal("orders/o-1", (string)attributes["subject"]!);
        Assert.Equal("2026-11-22T08:30:00Z", (string)attributes["time"]!);
        Assert.Equal("application/json", (string)attributes["datacontenttype"]!);
        Assert.Equal("acme", (string)attributes["tenant"]!);
        Assert.Equal("3", (string)attributes["priority"]!);
        Assert.Equal(5.5, (double)read["payload"]!["amount"]!);
        Assert.Equal(data, await DeliveryData.Scalar<string>(app.ConnectionString, "SELECT payload::text FROM events WHERE id = $1", Guid.Parse((string)accepted["id"]!)));
    }

    [Fact]
    public async Task A_binary_CloudEvent_takes_its_attributes_from_the_ce_headers_and_its_data_from_the_body()
    {
        var type = await _admin.CreateEventType();
        const string body = """{"orderId":"o-2","amount":7}""";

        var accepted = await _admin.SendAsync(Binary(type, "ord-2", body, "application/json; charset=utf-8",
            ("ce-subject", "orders/o-2"), ("ce-tenant", "caf%C3%A9"))).Expect(HttpStatusCode.Accepted);

        var read = await _admin.GetAsync($"/api/v1/events/{accepted["id"]}").Expect(HttpStatusCode.OK);
        Assert.Equal("ord-2", (string)read["cloudEvent"]!["id"]!);
        Assert.Equal("orders/o-2", (string)read["cloudEvent"]!["subject"]!);
        Assert.Equal("café", (string)read["cloudEvent"]!["tenant"]!);
        Assert.Equal("application/json; charset=utf-8", (string)read["cloudEvent"]!["datacontenttype"]!);
        Assert.Equal(body, await DeliveryData.Scalar<string>(app.ConnectionString, "SELECT payload::text FROM events WHERE id = $1", Guid.Parse((string)accepted["id"]!)));
    }

    [Fact]
    public async Task Source_and_id_are_the_idempotency_key_across_modes()
    {
        var type = await _admin.CreateEventType();
        var producer = app.Client(await _admin.CreateKey("ingest"));
        var first = await producer.PostAsync("/api/v1/events", Structured(Event(type, "dup-1"))).Expect(HttpStatusCode.Accepted);

        var again = await producer.PostAsync("/api/v1/events", Structured(Event(type, "dup-1"))).Expect(HttpStatusCode.Accepted);
        var otherData = await producer.PostAsync("/api/v1/events", Structured(Event(type, "dup-1", data: """{"orderId":"o-9","amount":9}""")))
            .Expect(HttpStatusCode.Conflict);
        var otherSource = await producer.PostAsync("/api/v1/events", Structured(Event(type, "dup-1", source: "/shop/refunds"))).Expect(HttpStatusCode.Accepted);
        var binaryRepeat = await producer.SendAsync(Binary(type, "dup-1", """{"orderId":"o-1","amount":5}""")).Expect(HttpStatusCode.Accepted);

        Assert.Equal((string)first["id"]!, (string)again["id"]!);
        Assert.Equal((string)first["id"]!, (string)binaryRepeat["id"]!);
        Assert.Equal("urn:webhooks:problem:conflict", (string)otherData["type"]!);
        Assert.NotEqual((string)first["id"]!, (string)otherSource["id"]!);
        Assert.Equal(2, await EventsOf(type));
    }

    public static TheoryData<string, string, string> InvalidStructured => new()
    {
        { "no specversion", """{"id":"x","source":"/s","type":"%T","data":{"orderId":"o","amount":1}}""", "$.specversion" },
        { "wrong specversion", """{"specversion":"0.3","id":"x","source":"/s","type":"%T","data":{"orderId":"o","amount":1}}""", "$.specversion" },
        { "no id", """{"specversion":"1.0","source":"/s","type":"%T","data":{"orderId":"o","amount":1}}""", "$.id" },
        { "empty id", """{"specversion":"1.0","id":"","source":"/s","type":"%T","data":{"orderId":"o","amount":1}}""", "$.id" },
        { "no source", """{"specversion":"1.0","id":"x","type":"%T","data":{"orderId":"o","amount":1}}""", "$.source" },
        { "no type", """{"specversion":"1.0","id":"x","source":"/s","data":{"orderId":"o","amount":1}}""", "$.type" },
        { "text data", """{"specversion":"1.0","id":"x","source":"/s","type":"%T","datacontenttype":"text/plain","data":"orderId=o"}""", "$.data" },
        { "base64 data", """{"specversion":"1.0","id":"x","source":"/s","type":"%T","data_base64":"eyJhIjoxfQ=="}""", "$.data" },
        { "no data", """{"specversion":"1.0","id":"x","source":"/s","type":"%T"}""", "$.data" },
        { "null data", """{"specversion":"1.0","id":"x","source":"/s","type":"%T","data":null}""", "$.data" },
        { "bad time", """{"specversion":"1.0","id":"x","source":"/s","type":"%T","time":"yesterday","data":{"orderId":"o","amount":1}}""", "$" },
        { "bad extension name", """{"specversion":"1.0","id":"x","source":"/s","type":"%T","Tenant_Id":"a","data":{"orderId":"o","amount":1}}""", "$" },
        { "not an object", """["specversion"]""", "$" },
    };

    [Theory]
    [MemberData(nameof(InvalidStructured))]
    public async Task An_invalid_structured_CloudEvent_is_400_invalid_cloudevent_and_stores_nothing(string why, string json, string path)
    {
        var type = await _admin.CreateEventType();

        var problem = await _admin.PostAsync("/api/v1/events", Structured(json.Replace("%T", type))).Expect(HttpStatusCode.BadRequest);

        Assert.Equal("urn:webhooks:problem:invalid-cloudevent", (string)problem["type"]!);
        Assert.True(problem["errors"]?[path] is not null, $"{why}: no error at {path} in {problem.ToJsonString()}");
        Assert.Equal(0, await EventsOf(type));
    }

    [Fact]
    public async Task An_invalid_binary_CloudEvent_is_400_invalid_cloudevent_and_stores_nothing()
    {
        var type = await _admin.CreateEventType();
        const string body = """{"orderId":"o","amount":1}""";
        var cases = new (HttpRequestMessage Request, string Path)[]
        {
            (Binary(type, "b-1", body, more: ("ce-specversion", "0.3")), "ce-specversion"),
            (Binary(type, "", body), "ce-id"),
            (Binary(type, "b-3", body, more: ("ce-source", "")), "ce-source"),
            (Binary("", "b-4", body), "ce-type"),
            (Binary(type, "b-5", "orderId=o", "text/plain"), "content-type"),
            (Binary(type, "b-6", "", "application/json"), "$"),
            (Binary(type, "b-7", body, more: ("ce-time", "not a time")), "ce-*"),
        };
        foreach (var (request, path) in cases)
        {
            var problem = await _admin.SendAsync(request).Expect(HttpStatusCode.BadRequest);
            Assert.Equal("urn:webhooks:problem:invalid-cloudevent", (string)problem["type"]!);
            Assert.True(problem["errors"]?[path] is not null, $"no error at {path} in {problem.ToJsonString()}");
        }
        var malformed = await _admin.SendAsync(Binary(type, "b-8", "{\"orderId\":")).Expect(HttpStatusCode.BadRequest);
        Assert.Equal("urn:webhooks:problem:malformed-json", (string)malformed["type"]!);
        Assert.Equal(0, await EventsOf(type));
    }

    [Fact]
    public async Task CloudEvent_data_is_validated_against_the_event_types_schema_as_a_payload_is()
    {
        var type = await _admin.CreateEventType();

        var structured = await _admin.PostAsync("/api/v1/events", Structured(Event(type, "s-1", data: """{"orderId":"o","amount":-1}""")))
            .Expect(HttpStatusCode.UnprocessableEntity);
        var binary = await _admin.SendAsync(Binary(type, "s-2", """{"amount":1}""")).Expect(HttpStatusCode.UnprocessableEntity);
        var unknown = await _admin.PostAsync("/api/v1/events", Structured(Event("no.such.type", "s-3"))).Expect(HttpStatusCode.UnprocessableEntity);

        Assert.Equal("urn:webhooks:problem:payload-invalid", (string)structured["type"]!);
        Assert.NotNull(structured["errors"]!["$.data.amount"]);
        Assert.NotNull(binary["errors"]!["$.orderId"]);
        Assert.Equal("urn:webhooks:problem:unknown-event-type", (string)unknown["type"]!);
        Assert.Equal(0, await EventsOf(type));
    }

    [Fact]
    public async Task A_batch_answers_each_CloudEvent_on_its_own_in_order_and_stores_only_the_valid_ones()
    {
        var type = await _admin.CreateEventType();
        await _admin.CreateSubscription(await _admin.CreatePartner(), "https://example.com/ce-batch", type);
        var earlier = await _admin.PostAsync("/api/v1/events", Structured(Event(type, "batch-0"))).Expect(HttpStatusCode.Accepted);
        var batch = $"""
            [{Event(type, "batch-1")},
             {Event(type, "batch-2").Replace("\"id\":\"batch-2\",", "")},
             {Event(type, "batch-3", data: """{"orderId":"o"}""")},
             {Event(type, "batch-0")},
             {Event(type, "batch-4")}]
            """;

        var response = await _admin.PostAsync("/api/v1/events", new StringContent(batch, Encoding.UTF8, "application/cloudevents-batch+json"))
            .Expect(HttpStatusCode.OK);

        var results = response["results"]!.AsArray();
        Assert.Equal(5, results.Count);
        Assert.Equal(1, (int)results[0]!["deliveries"]!);
        Assert.Equal("urn:webhooks:problem:invalid-cloudevent", (string)results[1]!["error"]!["type"]!);
        Assert.NotNull(results[1]!["error"]!["errors"]!["$.id"]);
        Assert.Equal("urn:webhooks:problem:payload-invalid", (string)results[2]!["error"]!["type"]!);
        Assert.NotNull(results[2]!["error"]!["errors"]!["$.data.amount"]);
        Assert.Equal((string)earlier["id"]!, (string)results[3]!["id"]!);
        Assert.NotNull(results[4]!["id"]);
        Assert.Equal(3, await EventsOf(type));
    }

    [Fact]
    public async Task A_batch_that_is_not_an_array_of_1_to_500_is_400()
    {
        var type = await _admin.CreateEventType();
        var tooMany = "[" + string.Join(",", Enumerable.Range(0, 501).Select(i => Event(type, $"many-{i}"))) + "]";
        foreach (var body in new[] { "[]", Event(type, "single"), tooMany })
        {
            var problem = await _admin.PostAsync("/api/v1/events", new StringContent(body, Encoding.UTF8, "application/cloudevents-batch+json"))
                .Expect(HttpStatusCode.BadRequest);
            Assert.Equal("urn:webhooks:problem:validation", (string)problem["type"]!);
        }
        Assert.Equal(0, await EventsOf(type));
    }

    [Fact]
    public async Task The_native_shape_still_takes_JSON_only()
    {
        var type = await _admin.CreateEventType();
        var native = await _admin.PostAsJsonAsync("/api/v1/events", new { type, payload = new { orderId = "n", amount = 1 } }).Expect(HttpStatusCode.Accepted);
        var text = await _admin.PostAsync("/api/v1/events", new StringContent($$$"""{"type":"{{{type}}}","payload":{}}""", Encoding.UTF8, "text/plain"));

        Assert.Equal(HttpStatusCode.UnsupportedMediaType, text.StatusCode);
        var read = await _admin.GetAsync($"/api/v1/events/{native["id"]}").Expect(HttpStatusCode.OK);
        Assert.Null(read["cloudEvent"]);
    }
}
