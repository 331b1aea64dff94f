using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using CloudNative.CloudEvents;
using CloudNative.CloudEvents.Http;
using CloudNative.CloudEvents.SystemTextJson;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.CloudEvents;

/// <summary>Delivery workers running, with a CloudEvents source and origin of its own.</summary>
public sealed class CloudEventsApp : DeliveryApp
{
    public const string Source = "https://webhooks.test/events";
    public const string Origin = "webhooks.test";

    protected override Dictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["Webhooks:CloudEvents:Source"] = Source;
            settings["Webhooks:CloudEvents:Origin"] = Origin;
            return settings;
        }
    }
}

/// <summary>What a CloudEvents subscriber really receives, decoded by the CNCF SDK and verified by the Standard Webhooks reference package.</summary>
public sealed class CloudEventDeliveryTests(CloudEventsApp app) : IClassFixture<CloudEventsApp>
{
    private readonly HttpClient _admin = app.Client();

    /// <summary>The request a receiver got, as the SDK's HTTP binding reads it.</summary>
    public static async Task<CloudEvent> DecodeAsync(Received received)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, "http://receiver.test/hook") { Content = new ByteArrayContent(Encoding.UTF8.GetBytes(received.Body)) };
        foreach (var (name, value) in received.Headers)
        {
            if (name.StartsWith("content-", StringComparison.Ordinal)) { if (name == "content-type") request.Content.Headers.TryAddWithoutValidation(name, value); }
            else if (name != "host") request.Headers.TryAddWithoutValidation(name, value);
        }
        return await request.ToCloudEventAsync(new JsonEventFormatter());
    }

    [Theory]
    [InlineData("cloudevents-structured")]
    [InlineData("cloudevents-binary")]
    public async Task A_CloudEvents_subscriber_gets_the_original_attributes_or_the_services_own_signed_over_the_bytes_sent(string format)
    {
        await using var receiver = await TestReceiver.StartAsync();
        var type = await _admin.CreateEventType();
        var partner = await _admin.CreatePartner();
        var subscription = await _admin.PostAsJsonAsync("/api/v1/subscriptions", new { partnerId = partner, url = receiver.Url, eventTypes = new[] { type }, format })
            .Expect(HttpStatusCode.Created);
        Assert.Equal(format, (string)subscription["format"]!);
        const string data = """{ "orderId": "o-1", "amount": 5.50, "note": "café ✓" }""";
        var ceId = $"ord-{Guid.NewGuid():N}";
        var cloudEvent = await _admin.PostAsync("/api/v1/events", new StringContent($$"""
            {"specversion":"1.0","id":"{{ceId}}","source":"/shop/orders","type":"{{type}}","subject":"orders/o-1",
             "time":"2026-11-22T08:30:00.123Z","tenant":"acme","data":{{data}}}
            """, Encoding.UTF8, "application/cloudevents+json")).Expect(HttpStatusCode.Accepted);
        const string payload = """{"orderId":"o-2","amount":7}""";
        var native = await _admin.PostAsync("/api/v1/events", new StringContent($$"""{"type":"{{type}}","payload":{{payload}}}""", Encoding.UTF8, "application/json"))
            .Expect(HttpStatusCode.Accepted);

        var requests = await receiver.WaitForCount(2);
        var fromCloudEvent = requests.Single(r => r.WebhookId == (string)cloudEvent["id"]!);
        var fromNative = requests.Single(r => r.WebhookId == (string)native["id"]!);

        var first = await DecodeAsync(fromCloudEvent);
        Assert.Equal(ceId, first.Id);
        Assert.Equal("/shop/orders", first.Source!.OriginalString);
        Assert.Equal(type, first.Type);
        Assert.Equal("orders/o-1", first.Subject);
        Assert.Equal(DateTimeOffset.Parse("2026-11-22T08:30:00.123Z"), first.Time);
        Assert.Equal("acme", (string?)first["tenant"]);
        Assert.Equal(data, ((JsonElement)first.Data!).GetRawText());

        var second = await DecodeAsync(fromNative);
        Assert.Equal((string)native["id"]!, second.Id);
        Assert.Equal(CloudEventsApp.Source, second.Source!.OriginalString);
        Assert.Equal(type, second.Type);
        Assert.Equal(DateTimeOffset.Parse((string)native["createdAt"]!), second.Time);
        Assert.Equal("application/json", second.DataContentType);
        Assert.Equal(payload, ((JsonElement)second.Data!).GetRawText());

        if (format == "cloudevents-binary")
        {
            Assert.Equal(payload, fromNative.Body);
            Assert.Equal(ceId, fromCloudEvent.Headers["ce-id"]);
            Assert.StartsWith("application/json", fromNative.Headers["content-type"]);
        }
        else
        {
            Assert.StartsWith("application/cloudevents+json", fromNative.Headers["content-type"]);
            Assert.DoesNotContain(fromNative.Headers.Keys, h => h.StartsWith("ce-", StringComparison.Ordinal));
        }
        var secret = (string)subscription["secret"]!;
        Assert.Equal(["ok", "ok"], await StandardWebhooksVerifier.VerifyAsync(secret, [fromCloudEvent, fromNative]));
        var tampered = fromNative with { Body = fromNative.Body.Replace("o-2", "o-3") };
        Assert.StartsWith("rejected", (await StandardWebhooksVerifier.VerifyAsync(secret, [tampered]))[0]);
    }

    [Fact]
    public async Task The_format_is_validated_and_can_be_changed()
    {
        var type = await _admin.CreateEventType();
        var partner = await _admin.CreatePartner();
        var refused = await _admin.PostAsJsonAsync("/api/v1/subscriptions", new { partnerId = partner, url = "https://example.com/f", eventTypes = new[] { type }, format = "cloudevents" })
            .Expect(HttpStatusCode.BadRequest);
        Assert.NotNull(refused["errors"]!["$.format"]);
        var reserved = await _admin.PostAsJsonAsync("/api/v1/subscriptions", new
        {
            partnerId = partner, url = "https://example.com/f", eventTypes = new[] { type }, headers = new Dictionary<string, string> { ["ce-id"] = "x" },
        }).Expect(HttpStatusCode.BadRequest);
        Assert.NotNull(reserved["errors"]!["$.headers.ce-id"]);

        var created = await _admin.CreateSubscription(partner, "https://example.com/f", type);
        Assert.Equal("standard-webhooks", (string)created["format"]!);
        var id = (string)created["id"]!;
        var patched = await _admin.PatchAsJsonAsync($"/api/v1/subscriptions/{id}", new { format = "cloudevents-binary" }).Expect(HttpStatusCode.OK);
        Assert.Equal("cloudevents-binary", (string)patched["format"]!);
        Assert.Equal("cloudevents-binary", (string)(await _admin.GetAsync($"/api/v1/subscriptions/{id}").Expect(HttpStatusCode.OK))["format"]!);
        var bad = await _admin.PatchAsJsonAsync($"/api/v1/subscriptions/{id}", new { format = "xml" }).Expect(HttpStatusCode.BadRequest);
        Assert.NotNull(bad["errors"]!["$.format"]);
    }
}
