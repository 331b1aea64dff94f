using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Webhooks.Subscriptions;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.CloudEvents;

/// <summary>The CloudEvents HTTP webhook validation handshake against real receivers: accepted, refused, unreachable, and verified later.</summary>
public sealed class OwnershipVerificationTests(CloudEventsApp app) : IClassFixture<CloudEventsApp>
{
    private readonly HttpClient _admin = app.Client();

    private static Answer Consent(string origin = CloudEventsApp.Origin, string? rate = null) =>
        new(200, Headers: rate is null
            ? new() { ["WebHook-Allowed-Origin"] = origin, ["Allow"] = "POST" }
            : new() { ["WebHook-Allowed-Origin"] = origin, ["WebHook-Allowed-Rate"] = rate, ["Allow"] = "POST" });

    private async Task<JsonNode> Subscribe(string url, string type, object? extra = null)
    {
        var partner = await _admin.CreatePartner();
        var body = new JsonObject { ["partnerId"] = partner.ToString(), ["url"] = url, ["eventTypes"] = new JsonArray(type), ["verifyOwnership"] = true };
        foreach (var (name, value) in JsonSerializerNode(extra)) body[name] = value?.DeepClone();
        return await _admin.PostAsJsonAsync("/api/v1/subscriptions", body).Expect(HttpStatusCode.Created);
    }

    private static JsonObject JsonSerializerNode(object? value) => value is null ? [] : System.Text.Json.JsonSerializer.SerializeToNode(value)!.AsObject();

    private async Task<Guid> Post(string type, int n) =>
        Guid.Parse((string)(await _admin.PostAsJsonAsync("/api/v1/events", new { type, payload = new { orderId = $"o-{n}", amount = n } })
            .Expect(HttpStatusCode.Accepted))["id"]!);

    private Task<string> DeliveryStatus(Guid eventId) =>
        DeliveryData.Scalar<string>(app.ConnectionString, "SELECT status FROM deliveries WHERE event_id = $1", eventId);

    [Fact]
    public async Task An_endpoint_that_consents_is_verified_at_once_and_its_deliveries_name_the_origin()
    {
        await using var receiver = await TestReceiver.StartAsync();
        receiver.RespondToOptions = _ => Consent(rate: "120");
        var type = await _admin.CreateEventType();

        var subscription = await Subscribe(receiver.Url, type, new { rateLimitPerSecond = 5 });

        Assert.True((bool)subscription["verifyOwnership"]!);
        Assert.Equal("verified", (string)subscription["verification"]!["state"]!);
        Assert.Equal(120, (int)subscription["verification"]!["allowedRatePerMinute"]!);
        Assert.NotNull(subscription["verification"]!["verifiedAt"]);
        var handshake = Assert.Single(receiver.Handshakes);
        Assert.Equal(CloudEventsApp.Origin, handshake.Headers["webhook-request-origin"]);
        Assert.Equal("300", handshake.Headers["webhook-request-rate"]);
        var eventId = await Post(type, 1);
        var delivered = (await receiver.WaitForCount(1)).Single();
        Assert.Equal(eventId.ToString(), delivered.WebhookId);
        Assert.Equal(CloudEventsApp.Origin, delivered.Headers["webhook-request-origin"]);
    }

    [Fact]
    public async Task A_rate_granted_below_one_a_second_spaces_the_deliveries_as_granted()
    {
        await using var receiver = await TestReceiver.StartAsync();
        receiver.RespondToOptions = _ => Consent(rate: "20");
        var type = await _admin.CreateEventType();
        var subscription = await Subscribe(receiver.Url, type, new { rateLimitPerSecond = 5 });
        Assert.Equal(20, (int)subscription["verification"]!["allowedRatePerMinute"]!);

        var posted = DateTimeOffset.UtcNow;
        for (var n = 0; n < 3; n++) await Post(type, n);
        var times = (await receiver.WaitForCount(3, TimeSpan.FromSeconds(30))).Select(r => r.At).Order().ToList();
        // 20 a minute is a slot every 3 s from the first: the i-th delivery cannot arrive before 3i s after the posts began.
        for (var i = 0; i < times.Count; i++)
            Assert.True(times[i] >= posted + TimeSpan.FromSeconds(3 * i) - TimeSpan.FromMilliseconds(20),
                $"delivery {i} arrived {(times[i] - posted).TotalSeconds:F2}s after the first post, before its slot at {3 * i}s");
    }

    [Fact]
    public async Task A_wildcard_origin_is_consent_too()
    {
        await using var receiver = await TestReceiver.StartAsync();
        receiver.RespondToOptions = _ => Consent("*");
        var subscription = await Subscribe(receiver.Url, await _admin.CreateEventType());
        Assert.Equal("verified", (string)subscription["verification"]!["state"]!);
        Assert.Null(subscription["verification"]!["allowedRatePerMinute"]);
    }

    public static TheoryData<int, string?, string> Refusals => new()
    {
        { 405, null, "HTTP 405" },
        { 200, null, "without a WebHook-Allowed-Origin" },
        { 200, "someone-else.example", "'someone-else.example'" },
    };

    [Theory]
    [MemberData(nameof(Refusals))]
    public async Task An_endpoint_that_does_not_consent_is_refused_with_the_reason_and_its_deliveries_wait_paused(int status, string? allowedOrigin, string reason)
    {
        await using var receiver = await TestReceiver.StartAsync();
        receiver.RespondToOptions = _ => new Answer(status, Headers: allowedOrigin is null ? null : new() { ["WebHook-Allowed-Origin"] = allowedOrigin });
        var type = await _admin.CreateEventType();

        var subscription = await Subscribe(receiver.Url, type);

        Assert.Equal("failed", (string)subscription["verification"]!["state"]!);
        Assert.Contains(reason, (string)subscription["verification"]!["error"]!);
        Assert.True((bool)subscription["enabled"]!);
        var eventId = await Post(type, 2);
        Assert.Equal("paused", await DeliveryStatus(eventId));
        var test = await _admin.PostAsJsonAsync($"/api/v1/subscriptions/{subscription["id"]}/test", new { }).Expect(HttpStatusCode.Conflict);
        Assert.Equal("urn:webhooks:problem:conflict", (string)test["type"]!);
        Assert.Empty(receiver.Requests);
    }

    [Fact]
    public async Task A_refusing_endpoint_that_consents_later_is_verified_by_verify_and_gets_its_paused_deliveries()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var type = await _admin.CreateEventType();
        var subscription = await Subscribe(receiver.Url, type);
        var id = (string)subscription["id"]!;
        var events = new List<Guid>();
        for (var i = 0; i < 3; i++) events.Add(await Post(type, i));
        Assert.All(await Task.WhenAll(events.Select(DeliveryStatus)), s => Assert.Equal("paused", s));

        var stillRefused = await _admin.PostAsync($"/api/v1/subscriptions/{id}/verify", null).Expect(HttpStatusCode.OK);
        Assert.Equal("failed", (string)stillRefused["verification"]!["state"]!);
        receiver.RespondToOptions = _ => Consent();
        var verified = await _admin.PostAsync($"/api/v1/subscriptions/{id}/verify", null).Expect(HttpStatusCode.OK);

        Assert.Equal("verified", (string)verified["verification"]!["state"]!);
        Assert.Null(verified["verification"]!["error"]);
        Assert.Equal(3, receiver.Handshakes.Count);
        var received = await receiver.WaitForCount(3);
        Assert.Equal(events.Select(e => e.ToString()).Order(), received.Select(r => r.WebhookId).Order());
        await DeliveryData.WaitUntil(app.ConnectionString, "SELECT bool_and(status = 'succeeded') FROM deliveries WHERE event_id = ANY($1)",
            [events.ToArray()], "the paused deliveries to succeed");
    }

    [Fact]
    public async Task An_unreachable_endpoint_is_refused_and_a_new_url_that_consents_gets_the_paused_deliveries()
    {
        var closed = new TcpListener(IPAddress.Loopback, 0);
        closed.Start();
        var port = ((IPEndPoint)closed.LocalEndpoint).Port;
        closed.Stop();
        var type = await _admin.CreateEventType();
        var subscription = await Subscribe($"http://127.0.0.1:{port}/hook", type);
        Assert.Equal("failed", (string)subscription["verification"]!["state"]!);
        Assert.Contains("could not be reached (connect)", (string)subscription["verification"]!["error"]!);
        var eventId = await Post(type, 3);
        Assert.Equal("paused", await DeliveryStatus(eventId));

        await using var receiver = await TestReceiver.StartAsync();
        receiver.RespondToOptions = _ => Consent();
        var moved = await _admin.PatchAsJsonAsync($"/api/v1/subscriptions/{subscription["id"]}", new { url = receiver.Url }).Expect(HttpStatusCode.OK);

        Assert.Equal("verified", (string)moved["verification"]!["state"]!);
        Assert.Equal(eventId.ToString(), (await receiver.WaitForCount(1)).Single().WebhookId);
    }

    [Fact]
    public async Task An_endpoint_that_does_not_answer_in_time_is_refused()
    {
        await using var receiver = await TestReceiver.StartAsync();
        receiver.RespondToOptions = _ => Consent() with { Delay = TimeSpan.FromSeconds(10) };
        var subscription = await Subscribe(receiver.Url, await _admin.CreateEventType());
        Assert.Equal("failed", (string)subscription["verification"]!["state"]!);
        Assert.Contains("did not answer the handshake within", (string)subscription["verification"]!["error"]!);
    }

    [Fact]
    public async Task Turning_verification_off_sends_what_waited_and_verify_on_such_a_subscription_is_a_conflict()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var type = await _admin.CreateEventType();
        var subscription = await Subscribe(receiver.Url, type);
        var eventId = await Post(type, 4);
        Assert.Equal("paused", await DeliveryStatus(eventId));

        var off = await _admin.PatchAsJsonAsync($"/api/v1/subscriptions/{subscription["id"]}", new { verifyOwnership = false }).Expect(HttpStatusCode.OK);

        Assert.Null(off["verification"]);
        Assert.Equal(eventId.ToString(), (await receiver.WaitForCount(1)).Single().WebhookId);
        Assert.False(receiver.Requests.Single().Headers.ContainsKey("webhook-request-origin"));
        await _admin.PostAsync($"/api/v1/subscriptions/{subscription["id"]}/verify", null).Expect(HttpStatusCode.Conflict);
    }

    [Fact]
    public async Task The_handshake_goes_through_the_address_guard()
    {
        // This app's guard allows 127.0.0.1 (for the receivers): a guard with no exceptions must refuse it before connecting.
        await using var strict = new ConfiguredApp(new Dictionary<string, string?>());
        await strict.InitializeAsync();
        await using var receiver = await TestReceiver.StartAsync();
        receiver.RespondToOptions = _ => Consent();

        var result = await strict.Services.GetRequiredService<OwnershipHandshake>().RunAsync(receiver.Url, null, CancellationToken.None);

        Assert.False(result.Accepted);
        Assert.Contains("(blocked)", result.Error);
        Assert.Empty(receiver.Handshakes);
    }
}
