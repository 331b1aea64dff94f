using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Brokers;

/// <summary>The destination member of subscriptions: checked at registration, credentials encrypted and never shown.</summary>
public sealed class DestinationApiTests(WebhooksApp app) : IClassFixture<WebhooksApp>
{
    private const string Password = "s3cret-pa55word";
    private readonly HttpClient _admin = app.Client();

    private Task<HttpResponseMessage> Create(Guid partner, object destination, Dictionary<string, string>? headers = null) =>
        _admin.PostAsJsonAsync("/api/v1/subscriptions", new { partnerId = partner, eventTypes = new[] { "*" }, destination, headers });

    [Fact]
    public async Task Both_url_forms_make_an_http_subscription_and_reads_show_its_destination()
    {
        var partner = await _admin.CreatePartner();
        var plain = await _admin.CreateSubscription(partner, "https://hooks.example.com/a", "*");
        Assert.Equal("http", (string)plain["destination"]!["type"]!);
        Assert.Equal("https://hooks.example.com/a", (string)plain["destination"]!["url"]!);

        var typed = await Create(partner, new { type = "http", url = "https://hooks.example.com/b" }).Expect(HttpStatusCode.Created);
        Assert.Equal("https://hooks.example.com/b", (string)typed["url"]!);
        var read = await _admin.GetAsync($"/api/v1/subscriptions/{typed["id"]}").Expect(HttpStatusCode.OK);
        Assert.Equal("https://hooks.example.com/b", (string)read["destination"]!["url"]!);
    }

    [Fact]
    public async Task Broker_credentials_are_stored_encrypted_and_never_returned()
    {
        var partner = await _admin.CreatePartner();
        var created = await Create(partner, new { type = "rabbitmq", connection = $"amqps://shop:{Password}@broker.example.com/orders", exchange = "webhooks", routingKey = "acme" })
            .Expect(HttpStatusCode.Created);
        var id = (string)created["id"]!;
        Assert.Equal(new JsonObject
        {
            ["type"] = "rabbitmq", ["connection"] = "amqps://***@broker.example.com:5671/orders", ["exchange"] = "webhooks", ["routingKey"] = "acme",
        }.ToJsonString(), created["destination"]!.ToJsonString());
        var sqs = await Create(partner, new
        {
            type = "sqs", queueUrl = "https://sqs.eu-west-1.amazonaws.com/123456789012/orders", region = "eu-west-1",
            accessKeyId = "AKIAIOSFODNN7EXAMPLE", secretAccessKey = Password,
        }).Expect(HttpStatusCode.Created);
        Assert.Null(sqs["destination"]!["accessKeyId"]);

        foreach (var body in new[]
        {
            (await _admin.GetAsync($"/api/v1/subscriptions/{id}").Expect(HttpStatusCode.OK)).ToJsonString(),
            (await _admin.GetAsync($"/api/v1/subscriptions/{sqs["id"]}").Expect(HttpStatusCode.OK)).ToJsonString(),
            (await _admin.GetAsync($"/api/v1/subscriptions?partnerId={partner}").Expect(HttpStatusCode.OK)).ToJsonString(),
            created.ToJsonString(), sqs.ToJsonString(),
        })
        {
            Assert.DoesNotContain(Password, body);
            Assert.DoesNotContain("AKIAIOSFODNN7EXAMPLE", body);
        }
        var stored = await DeliveryData.Scalar<string>(app.ConnectionString,
            "SELECT string_agg(url || ' ' || destination::text, ' ') FROM subscriptions WHERE partner_id = $1", partner);
        Assert.DoesNotContain(Password, stored);
        Assert.DoesNotContain("shop", stored);
        Assert.DoesNotContain("AKIAIOSFODNN7EXAMPLE", stored);
    }

    public static TheoryData<string, string> Malformed => new()
    {
        { """{"type": "ftp"}""", "$.destination.type" },
        { """{"type": "rabbitmq", "exchange": "x", "routingKey": "k"}""", "$.destination.connection" },
        { """{"type": "rabbitmq", "connection": "http://broker.example.com", "exchange": "x", "routingKey": "k"}""", "$.destination.connection" },
        { """{"type": "rabbitmq", "connection": "amqp://broker.example.com?heartbeat=5", "exchange": "x", "routingKey": "k"}""", "$.destination.connection" },
        { """{"type": "rabbitmq", "connection": "amqp://u:p@10.1.2.3/", "exchange": "x", "routingKey": "k"}""", "$.destination.connection" },
        { """{"type": "rabbitmq", "connection": "amqp://u:p@localhost/", "exchange": "x", "routingKey": "k"}""", "$.destination.connection" },
        { """{"type": "rabbitmq", "connection": "amqp://u:p@broker.example.com/", "routingKey": "k"}""", "$.destination.exchange" },
        { """{"type": "rabbitmq", "connection": "amqp://u:p@broker.example.com/", "exchange": "x"}""", "$.destination.routingKey" },
        { """{"type": "rabbitmq", "connection": "amqp://u:p@broker.example.com/", "exchange": "x", "routingKey": "k", "queueUrl": "https://q"}""", "$.destination.queueUrl" },
        { """{"type": "sqs", "region": "eu-west-1", "accessKeyId": "AKIAIOSFODNN7EXAMPLE", "secretAccessKey": "s"}""", "$.destination.queueUrl" },
        { """{"type": "sqs", "queueUrl": "https://sqs.eu-west-1.amazonaws.com/orders", "region": "eu-west-1", "accessKeyId": "AKIAIOSFODNN7EXAMPLE", "secretAccessKey": "s"}""", "$.destination.queueUrl" },
        { """{"type": "sqs", "queueUrl": "https://169.254.169.254/1/q", "region": "eu-west-1", "accessKeyId": "AKIAIOSFODNN7EXAMPLE", "secretAccessKey": "s"}""", "$.destination.queueUrl" },
        { """{"type": "sqs", "queueUrl": "https://sqs.eu-west-1.amazonaws.com/1/q", "region": "Europe", "accessKeyId": "AKIAIOSFODNN7EXAMPLE", "secretAccessKey": "s"}""", "$.destination.region" },
        { """{"type": "sqs", "queueUrl": "https://sqs.eu-west-1.amazonaws.com/1/q", "region": "eu-west-1", "secretAccessKey": "s"}""", "$.destination.accessKeyId" },
        { """{"type": "sqs", "queueUrl": "https://sqs.eu-west-1.amazonaws.com/1/q", "region": "eu-west-1", "accessKeyId": "AKIAIOSFODNN7EXAMPLE"}""", "$.destination.secretAccessKey" },
        { """{"type": "sqs", "queueUrl": "https://sqs.eu-west-1.amazonaws.com/1/q", "region": "eu-west-1", "accessKeyId": "AKIAIOSFODNN7EXAMPLE", "secretAccessKey": "s", "serviceUrl": "http://127.0.0.1:4566"}""", "$.destination.serviceUrl" },
        { """{"type": "http", "url": "https://10.0.0.1/hook"}""", "$.destination.url" },
    };

    [Theory]
    [MemberData(nameof(Malformed))]
    public async Task A_malformed_destination_is_422_naming_the_member_and_stores_nothing(string destination, string path)
    {
        var partner = await _admin.CreatePartner();
        var problem = await Create(partner, JsonNode.Parse(destination)!).Expect(HttpStatusCode.UnprocessableEntity);
        Assert.Equal("urn:webhooks:problem:invalid-destination", (string)problem["type"]!);
        Assert.NotNull(problem["errors"]![path]);
        Assert.Equal(0L, await DeliveryData.Scalar<long>(app.ConnectionString, "SELECT count(*) FROM subscriptions WHERE partner_id = $1", partner));
    }

    [Fact]
    public async Task Url_and_destination_together_or_too_many_headers_for_sqs_are_refused()
    {
        var partner = await _admin.CreatePartner();
        var both = await _admin.PostAsJsonAsync("/api/v1/subscriptions", new
        {
            partnerId = partner, url = "https://hooks.example.com/a", eventTypes = new[] { "*" },
            destination = new { type = "http", url = "https://hooks.example.com/b" },
        }).Expect(HttpStatusCode.BadRequest);
        Assert.NotNull(both["errors"]!["$.url"]);

        var headers = Enumerable.Range(0, 8).ToDictionary(i => $"x-h{i}", i => "v");
        var sqs = new
        {
            type = "sqs", queueUrl = "https://sqs.eu-west-1.amazonaws.com/123456789012/orders", region = "eu-west-1",
            accessKeyId = "AKIAIOSFODNN7EXAMPLE", secretAccessKey = "secret",
        };
        var tooMany = await Create(partner, sqs, headers).Expect(HttpStatusCode.BadRequest);
        Assert.NotNull(tooMany["errors"]!["$.headers"]);
        await Create(partner, sqs, headers.Take(7).ToDictionary()).Expect(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Cloudevents_binary_is_refused_for_sqs_when_created_and_when_patched_and_stores_nothing()
    {
        var partner = await _admin.CreatePartner();
        var sqs = new
        {
            type = "sqs", queueUrl = "https://sqs.eu-west-1.amazonaws.com/123456789012/orders", region = "eu-west-1",
            accessKeyId = "AKIAIOSFODNN7EXAMPLE", secretAccessKey = "secret",
        };
        var binary = await _admin.PostAsJsonAsync("/api/v1/subscriptions", new { partnerId = partner, eventTypes = new[] { "*" }, destination = sqs, format = "cloudevents-binary" })
            .Expect(HttpStatusCode.BadRequest);
        Assert.Contains("cloudevents-structured", (string)binary["errors"]!["$.format"]![0]!);
        Assert.Equal(0L, await DeliveryData.Scalar<long>(app.ConnectionString, "SELECT count(*) FROM subscriptions WHERE partner_id = $1", partner));

        var structured = await _admin.PostAsJsonAsync("/api/v1/subscriptions", new { partnerId = partner, eventTypes = new[] { "*" }, destination = sqs, format = "cloudevents-structured" })
            .Expect(HttpStatusCode.Created);
        var patched = await _admin.PatchAsJsonAsync($"/api/v1/subscriptions/{structured["id"]}", new { format = "cloudevents-binary" }).Expect(HttpStatusCode.BadRequest);
        Assert.NotNull(patched["errors"]!["$.format"]);

        var http = await _admin.PostAsJsonAsync("/api/v1/subscriptions", new { partnerId = partner, eventTypes = new[] { "*" }, url = "https://hooks.example.com/ce", format = "cloudevents-binary" })
            .Expect(HttpStatusCode.Created);
        var moved = await _admin.PatchAsJsonAsync($"/api/v1/subscriptions/{http["id"]}", new { destination = sqs }).Expect(HttpStatusCode.BadRequest);
        Assert.NotNull(moved["errors"]!["$.format"]);
        Assert.Equal(new[] { "cloudevents-structured", "cloudevents-binary" }, await DeliveryData.Scalar<string[]>(app.ConnectionString,
            "SELECT array_agg(format ORDER BY created_at) FROM subscriptions WHERE partner_id = $1", partner));
    }

    [Fact]
    public async Task The_dashboard_counts_a_broker_confirm_without_a_status_code_as_a_success()
    {
        var partner = await _admin.CreatePartner();
        var id = Guid.Parse((string)(await _admin.CreateSubscription(partner, "https://hooks.example.com/stats", "*"))["id"]!);
        var events = await DeliveryData.InsertEvents(app.ConnectionString, id, 2, status: "succeeded");
        await DeliveryData.Execute(app.ConnectionString, """
            INSERT INTO attempts (delivery_id, number, at, status_code, duration_ms, error_kind, error)
            SELECT d.id, 1, now(), NULL, 3, CASE WHEN d.event_id = $1 THEN NULL ELSE 'connect' END, CASE WHEN d.event_id = $1 THEN NULL ELSE 'refused' END
            FROM deliveries d WHERE d.event_id = ANY($2)
            """, events[0], events);
        var stats = await _admin.GetAsync("/api/v1/stats").Expect(HttpStatusCode.OK);
        Assert.Equal(0.5, (double)stats["successRate"]!);
    }

    [Fact]
    public async Task Patch_moves_a_subscription_between_destination_types_and_keeps_its_secret()
    {
        var partner = await _admin.CreatePartner();
        var created = await _admin.CreateSubscription(partner, "https://hooks.example.com/a", "*");
        var id = (string)created["id"]!;
        var moved = await _admin.PatchAsJsonAsync($"/api/v1/subscriptions/{id}", new
        {
            destination = new { type = "rabbitmq", connection = $"amqp://shop:{Password}@broker.example.com/", exchange = "", routingKey = "orders" },
        }).Expect(HttpStatusCode.OK);
        Assert.Equal("rabbitmq", (string)moved["destination"]!["type"]!);
        Assert.Equal("", (string)moved["destination"]!["exchange"]!);
        Assert.Equal("amqp://***@broker.example.com:5672/%2F", (string)moved["url"]!);

        await _admin.PatchAsJsonAsync($"/api/v1/subscriptions/{id}", new { destination = new { type = "rabbitmq", exchange = "x" } })
            .Expect(HttpStatusCode.UnprocessableEntity);
        var back = await _admin.PatchAsJsonAsync($"/api/v1/subscriptions/{id}", new { url = "https://hooks.example.com/back" }).Expect(HttpStatusCode.OK);
        Assert.Equal(new JsonObject { ["type"] = "http", ["url"] = "https://hooks.example.com/back" }.ToJsonString(), back["destination"]!.ToJsonString());
        Assert.True(await DeliveryData.Scalar<bool>(app.ConnectionString, "SELECT destination IS NULL FROM subscriptions WHERE id = $1", Guid.Parse(id)));
    }
}
