using System.Net;
using System.Net.Http.Json;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Ingest;

public sealed class BatchTests(WebhooksApp app) : IClassFixture<WebhooksApp>
{
    private readonly HttpClient _admin = app.Client();

    [Fact]
    public async Task Each_item_is_validated_on_its_own_and_answered_in_order()
    {
        var type = await _admin.CreateEventType();
        await _admin.CreateSubscription(await _admin.CreatePartner(), "https://example.com/batch", type);

        var response = await _admin.PostAsJsonAsync("/api/v1/events/batch", new
        {
            events = new object[]
            {
                new { type, payload = new { orderId = "a", amount = 1 } },
                new { type, payload = new { amount = 1 } },
                new { type = "no.such.type", payload = new { } },
                new { type, payload = new { orderId = "b", amount = 2 } },
            },
        }).Expect(HttpStatusCode.OK);

        var results = response["results"]!.AsArray();
        Assert.Equal(4, results.Count);
        Assert.Equal(1, (int)results[0]!["deliveries"]!);
        Assert.Equal(422, (int)results[1]!["error"]!["status"]!);
        Assert.NotNull(results[1]!["error"]!["errors"]!["$.payload.orderId"]);
        Assert.Equal("urn:webhooks:problem:unknown-event-type", (string)results[2]!["error"]!["type"]!);
        Assert.NotNull(results[3]!["id"]);
        var listed = await _admin.GetAsync($"/api/v1/events?type={type}").Expect(HttpStatusCode.OK);
        Assert.Equal(2, listed["data"]!.AsArray().Count);
    }

    [Fact]
    public async Task More_than_500_events_or_none_is_400()
    {
        var type = await _admin.CreateEventType();
        var tooMany = Enumerable.Range(0, 501).Select(i => new { type, payload = new { orderId = $"{i}", amount = 1 } }).ToArray();
        await _admin.PostAsJsonAsync("/api/v1/events/batch", new { events = tooMany }).Expect(HttpStatusCode.BadRequest);
        await _admin.PostAsJsonAsync("/api/v1/events/batch", new { events = Array.Empty<object>() }).Expect(HttpStatusCode.BadRequest);
        var listed = await _admin.GetAsync($"/api/v1/events?type={type}").Expect(HttpStatusCode.OK);
        Assert.Empty(listed["data"]!.AsArray());
    }

    [Fact]
    public async Task Five_hundred_events_are_accepted_in_one_request()
    {
        var type = await _admin.CreateEventType();
        var events = Enumerable.Range(0, 500).Select(i => new { type, payload = new { orderId = $"{i}", amount = i } }).ToArray();
        var response = await _admin.PostAsJsonAsync("/api/v1/events/batch", new { events }).Expect(HttpStatusCode.OK);
        Assert.All(response["results"]!.AsArray(), r => Assert.NotNull(r!["id"]));
        var page = await _admin.GetAsync($"/api/v1/events?type={type}&limit=500").Expect(HttpStatusCode.OK);
        Assert.Equal(500, page["data"]!.AsArray().Count);
        Assert.Null(page["nextCursor"]);
    }
}
