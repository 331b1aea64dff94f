using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json.Nodes;
using Webhooks.Delivery;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Delivery;

public sealed class DeliveryTests(DeliveryApp app) : IClassFixture<DeliveryApp>, IAsyncLifetime
{
    private TestReceiver _receiver = null!;
    private readonly HttpClient _admin = app.Client();

    public async Task InitializeAsync() => _receiver = await TestReceiver.StartAsync();

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private async Task<(Guid Id, string Secret)> Subscribe(string? url = null, object? extra = null)
    {
        var partner = await _admin.CreatePartner();
        var created = await _admin.CreateSubscription(partner, url ?? _receiver.Url, "*");
        return (Guid.Parse((string)created["id"]!), (string)created["secret"]!);
    }

    private Task<string> Status(Guid eventId) =>
        DeliveryData.Scalar<string>(app.ConnectionString, "SELECT status FROM deliveries WHERE event_id = $1", eventId);

    private Task WaitForStatus(Guid eventId, string status) => DeliveryData.WaitUntil(app.ConnectionString,
        "SELECT coalesce((SELECT status = $2 FROM deliveries WHERE event_id = $1), false)", [eventId, status], $"the delivery to become {status}");

    private static bool Verifies(Received request, string secret)
    {
        var key = Convert.FromBase64String(secret["whsec_".Length..]);
        var signed = $"{request.Headers["webhook-id"]}.{request.Headers["webhook-timestamp"]}.{request.Body}";
        var expected = "v1," + Convert.ToBase64String(HMACSHA256.HashData(key, Encoding.UTF8.GetBytes(signed)));
        return request.Headers["webhook-signature"].Split(' ').Contains(expected);
    }

    [Fact]
    public async Task A_pending_delivery_is_posted_signed_with_the_contract_headers_and_envelope()
    {
        var (subscription, secret) = await Subscribe();
        var eventId = (await DeliveryData.InsertEvents(app.ConnectionString, subscription, 1, "order.placed"))[0];

        var request = (await _receiver.WaitForCount(1))[0];
        Assert.Equal(eventId.ToString(), request.WebhookId);
        Assert.Equal("application/json", request.Headers["content-type"]);
        Assert.StartsWith("Webhooks/", request.Headers["user-agent"]);
        Assert.InRange(long.Parse(request.Headers["webhook-timestamp"]), DateTimeOffset.UtcNow.ToUnixTimeSeconds() - 30, DateTimeOffset.UtcNow.ToUnixTimeSeconds() + 1);
        Assert.True(Verifies(request, secret), "the signature must verify with the subscription's secret");
        var body = JsonNode.Parse(request.Body)!;
        Assert.Equal("order.placed", (string)body["type"]!);
        Assert.Equal(1, (int)body["data"]!["n"]!);
        Assert.Equal("café ✓", (string)body["data"]!["note"]!);
        Assert.EndsWith("Z", (string)body["timestamp"]!);

        await WaitForStatus(eventId, "succeeded");
        var delivery = await _admin.GetFromJsonAsync<JsonNode>($"/api/v1/deliveries?subscriptionId={subscription}");
        var detail = await _admin.GetAsync($"/api/v1/deliveries/{delivery!["data"]![0]!["id"]}").Expect(HttpStatusCode.OK);
        var attempt = detail["attempts"]![0]!;
        Assert.Equal(1, (int)attempt["number"]!);
        Assert.Equal(200, (int)attempt["statusCode"]!);
        Assert.Equal(eventId.ToString(), (string)attempt["requestHeaders"]!["webhook-id"]!);
        var health = await _admin.GetAsync($"/api/v1/subscriptions/{subscription}").Expect(HttpStatusCode.OK);
        Assert.NotNull(health["lastSuccessAt"]);
        Assert.Equal(0, (int)health["failureStreak"]!);
    }

    [Fact]
    public async Task A_failing_endpoint_is_retried_on_schedule_every_attempt_recorded_and_the_delivery_ends_dead()
    {
        await using var failing = await TestReceiver.StartAsync(_ => new Answer(500, new string('x', 10_000), new() { ["x-reason"] = "broken" }));
        var (subscription, _) = await Subscribe(failing.Url);
        var eventId = (await DeliveryData.InsertEvents(app.ConnectionString, subscription, 1))[0];

        await WaitForStatus(eventId, "dead");
        var requests = failing.Requests;
        Assert.Equal(DeliveryApp.RetryCount + 1, requests.Count);
        Assert.All(requests, r => Assert.Equal(eventId.ToString(), r.WebhookId));
        var id = await DeliveryData.Scalar<Guid>(app.ConnectionString, "SELECT id FROM deliveries WHERE event_id = $1", eventId);
        var detail = await _admin.GetAsync($"/api/v1/deliveries/{id}").Expect(HttpStatusCode.OK);
        Assert.Equal("dead", (string)detail["status"]!);
        var attempts = detail["attempts"]!.AsArray();
        Assert.Equal(Enumerable.Range(1, DeliveryApp.RetryCount + 1), attempts.Select(a => (int)a!["number"]!));
        Assert.All(attempts, a =>
        {
            Assert.Equal(500, (int)a!["statusCode"]!);
            Assert.Equal("http_status", (string)a["errorKind"]!);
            Assert.Equal(4096, ((string)a["responseBody"]!).Length);
            Assert.Equal("broken", (string)a["responseHeaders"]!["x-reason"]!);
        });
        var health = await _admin.GetAsync($"/api/v1/subscriptions/{subscription}").Expect(HttpStatusCode.OK);
        Assert.Equal(DeliveryApp.RetryCount + 1, (int)health["failureStreak"]!);
        Assert.NotNull(health["failingSince"]);
    }

    [Fact]
    public async Task Gone_disables_the_subscription_with_its_reason_and_keeps_the_delivery_paused()
    {
        await using var gone = await TestReceiver.StartAsync(_ => new Answer(410));
        var (subscription, _) = await Subscribe(gone.Url);
        var eventId = (await DeliveryData.InsertEvents(app.ConnectionString, subscription, 1))[0];

        await WaitForStatus(eventId, "paused");
        await DeliveryData.WaitUntil(app.ConnectionString, "SELECT NOT enabled FROM subscriptions WHERE id = $1", [subscription], "the subscription to be disabled");
        var health = await _admin.GetAsync($"/api/v1/subscriptions/{subscription}").Expect(HttpStatusCode.OK);
        Assert.False((bool)health["enabled"]!);
        Assert.Contains("410 Gone", (string)health["disabledReason"]!);
        Assert.Single(gone.Requests);
    }

    [Fact]
    public async Task Retry_after_on_429_holds_the_next_attempt_back_at_least_that_long()
    {
        await using var busy = await TestReceiver.StartAsync(_ => new Answer(429, Headers: new() { ["Retry-After"] = "3600" }));
        var (subscription, _) = await Subscribe(busy.Url);
        var eventId = (await DeliveryData.InsertEvents(app.ConnectionString, subscription, 1))[0];

        await busy.WaitForCount(1);
        await DeliveryData.WaitUntil(app.ConnectionString,
            "SELECT attempt_count = 1 AND next_attempt_at > now() + interval '59 minutes' FROM deliveries WHERE event_id = $1", [eventId],
            "the retry to be an hour out");
        Assert.Equal("pending", await Status(eventId));
    }

    [Fact]
    public async Task An_endpoint_answering_503_is_slowed_down_beyond_the_retry_schedule()
    {
        await using var struggling = await TestReceiver.StartAsync(_ => new Answer(503));
        var (subscription, _) = await Subscribe(struggling.Url);
        await DeliveryData.InsertEvents(app.ConnectionString, subscription, 1);

        // The schedule here says 100 ms between attempts; the throttle pauses 1 s, then 2 s.
        var times = (await struggling.WaitForCount(3, TimeSpan.FromSeconds(20))).Select(r => r.At).ToList();
        Assert.True(times[1] - times[0] >= TimeSpan.FromSeconds(0.9), $"second attempt after {(times[1] - times[0]).TotalSeconds:F2}s");
        Assert.True(times[2] - times[1] >= TimeSpan.FromSeconds(1.9), $"third attempt after {(times[2] - times[1]).TotalSeconds:F2}s");
    }

    [Fact]
    public async Task A_disabled_subscription_keeps_deliveries_paused_and_sends_them_when_enabled_again()
    {
        var (subscription, _) = await Subscribe();
        await _admin.PatchAsJsonAsync($"/api/v1/subscriptions/{subscription}", new { enabled = false }).Expect(HttpStatusCode.OK);
        var eventId = (await DeliveryData.InsertEvents(app.ConnectionString, subscription, 1))[0];
        await WaitForStatus(eventId, "paused");
        Assert.Empty(_receiver.Requests);

        await _admin.PatchAsJsonAsync($"/api/v1/subscriptions/{subscription}", new { enabled = true, pausedDeliveries = "send" }).Expect(HttpStatusCode.OK);
        await WaitForStatus(eventId, "succeeded");
        Assert.Equal(eventId.ToString(), _receiver.Requests.Single().WebhookId);
    }

    [Fact]
    public async Task After_a_secret_rotation_each_delivery_carries_signatures_of_the_old_and_the_new_secret()
    {
        var (subscription, oldSecret) = await Subscribe();
        var rotated = await _admin.PostAsync($"/api/v1/subscriptions/{subscription}/rotate-secret", null).Expect(HttpStatusCode.OK);
        var newSecret = (string)rotated["secret"]!;
        await DeliveryData.InsertEvents(app.ConnectionString, subscription, 1);

        var request = (await _receiver.WaitForCount(1))[0];
        Assert.Equal(2, request.Headers["webhook-signature"].Split(' ').Length);
        Assert.True(Verifies(request, oldSecret));
        Assert.True(Verifies(request, newSecret));
    }

    [Fact]
    public async Task Errors_are_recorded_by_kind_connect_timeout_and_blocked()
    {
        await using var slow = await TestReceiver.StartAsync(_ => new Answer(Delay: TimeSpan.FromSeconds(10)));
        var (timeout, _) = await Subscribe(slow.Url);
        var (refused, _) = await Subscribe("http://127.0.0.1:1/hook");
        var (blocked, _) = await Subscribe();
        // Registered while allowed; the address actually connected to is what is checked.
        await DeliveryData.Execute(app.ConnectionString, "UPDATE subscriptions SET url = 'http://127.0.0.2:9/hook' WHERE id = $1", blocked);

        var ids = new Dictionary<string, Guid>
        {
            ["timeout"] = (await DeliveryData.InsertEvents(app.ConnectionString, timeout, 1))[0],
            ["connect"] = (await DeliveryData.InsertEvents(app.ConnectionString, refused, 1))[0],
            ["blocked"] = (await DeliveryData.InsertEvents(app.ConnectionString, blocked, 1))[0],
        };
        foreach (var (kind, eventId) in ids)
            await DeliveryData.WaitUntil(app.ConnectionString,
                "SELECT EXISTS (SELECT 1 FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.event_id = $1 AND a.error_kind = $2 AND a.number = 1)",
                [eventId, kind], $"a {kind} attempt");
    }

    [Fact]
    public async Task A_slow_endpoint_does_not_hold_up_other_endpoints_and_its_in_flight_attempts_are_capped()
    {
        await using var slow = await TestReceiver.StartAsync(_ => new Answer(Delay: TimeSpan.FromSeconds(30)));
        var (slowSubscription, _) = await Subscribe(slow.Url);
        var (fastSubscription, _) = await Subscribe();
        await DeliveryData.InsertEvents(app.ConnectionString, slowSubscription, 40);
        await DeliveryData.InsertEvents(app.ConnectionString, fastSubscription, 40);

        await _receiver.WaitForCount(40);
        // All of them went through before the slow endpoint's first attempt even timed out.
        Assert.Equal(0L, await DeliveryData.Scalar<long>(app.ConnectionString,
            "SELECT count(*) FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.subscription_id = $1", slowSubscription));
        Assert.InRange(slow.MaxInFlight, 1, 4);
    }

    [Fact]
    public async Task The_rate_limit_of_a_subscription_spaces_its_deliveries()
    {
        var partner = await _admin.CreatePartner();
        var created = await _admin.PostAsJsonAsync("/api/v1/subscriptions", new { partnerId = partner, url = _receiver.Url, eventTypes = new[] { "*" }, rateLimitPerSecond = 5 })
            .Expect(HttpStatusCode.Created);
        var inserted = DateTimeOffset.UtcNow;
        await DeliveryData.InsertEvents(app.ConnectionString, Guid.Parse((string)created["id"]!), 15);

        var requests = await _receiver.WaitForCount(15, TimeSpan.FromSeconds(30));
        var times = requests.Select(r => r.At).Order().ToList();
        // Slots are a fifth of a second apart from when the first was reserved, after the insert: the i-th delivery cannot
        // arrive before i fifths of a second after it. A send may be late (a loaded machine), never early; late ones may
        // then arrive close together, so the gaps between neighbours are not what is promised.
        for (var i = 0; i < times.Count; i++)
            Assert.True(times[i] >= inserted + TimeSpan.FromSeconds(i / 5.0) - TimeSpan.FromMilliseconds(20),
                $"delivery {i} arrived {(times[i] - inserted).TotalSeconds:F2}s after the insert, before its slot at {i / 5.0:F1}s");
    }
}

/// <summary>The in-flight cap per destination host, shared by every subscription that sends to it.</summary>
public sealed class HostCapTests(HostCapTests.App app) : IClassFixture<HostCapTests.App>
{
    public sealed class App : DeliveryApp
    {
        protected override Dictionary<string, string?> Settings
        {
            get
            {
                var settings = base.Settings;
                settings["Webhooks:Workers:MaxInFlightPerHost"] = "3";
                return settings;
            }
        }
    }

    [Fact]
    public async Task Subscriptions_to_one_host_share_its_in_flight_cap()
    {
        await using var receiver = await TestReceiver.StartAsync(_ => new Answer(Delay: TimeSpan.FromMilliseconds(300)));
        var admin = app.Client();
        var partner = await admin.CreatePartner();
        foreach (var path in new[] { "?a", "?b", "?c" })
        {
            var subscription = Guid.Parse((string)(await admin.CreateSubscription(partner, receiver.Url + path, "*"))["id"]!);
            await DeliveryData.InsertEvents(app.ConnectionString, subscription, 10);
        }

        await receiver.WaitForCount(30, TimeSpan.FromSeconds(60));
        // Each endpoint alone may have 4 in flight; together they never have more than the host's 3.
        Assert.InRange(receiver.MaxInFlight, 1, 3);
    }
}

/// <summary>The per-endpoint circuit breaker, with a low threshold so that it opens within the test.</summary>
public sealed class CircuitBreakerTests(CircuitBreakerTests.App app) : IClassFixture<CircuitBreakerTests.App>
{
    public sealed class App : DeliveryApp
    {
        protected override Dictionary<string, string?> Settings
        {
            get
            {
                var settings = base.Settings;
                settings["Webhooks:Delivery:CircuitBreaker:MinimumThroughput"] = "4";
                settings["Webhooks:Delivery:CircuitBreaker:BreakDuration"] = "00:01:00";
                return settings;
            }
        }
    }

    [Fact]
    public async Task A_failing_endpoint_opens_only_its_own_circuit()
    {
        await using var failing = await TestReceiver.StartAsync(_ => new Answer(503));
        await using var healthy = await TestReceiver.StartAsync();
        var admin = app.Client();
        var partner = await admin.CreatePartner();
        var bad = Guid.Parse((string)(await admin.CreateSubscription(partner, failing.Url, "*"))["id"]!);
        var good = Guid.Parse((string)(await admin.CreateSubscription(partner, healthy.Url, "*"))["id"]!);

        await DeliveryData.InsertEvents(app.ConnectionString, bad, 10);
        // The whole backlog waits for the circuit (a minute here), not just the rows a worker happened to hold. How soon it
        // opens depends on how many of the first attempts went out together (the endpoint's own pauses space the rest out).
        await DeliveryData.WaitUntil(app.ConnectionString,
            "SELECT bool_and(next_attempt_at > now() + interval '40 seconds' AND lease_token IS NULL) FROM deliveries WHERE subscription_id = $1 AND status = 'pending'",
            [bad], "the backlog to wait for the circuit", TimeSpan.FromSeconds(60));
        var sent = failing.Requests.Count;
        // Five attempts at most (four to open it); the rest wait for the circuit instead of being sent or counted.
        Assert.InRange(sent, 4, 6);
        Assert.True(await DeliveryData.Scalar<long>(app.ConnectionString, "SELECT count(*) FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.subscription_id = $1", bad) == sent);

        await DeliveryData.InsertEvents(app.ConnectionString, good, 10);
        await healthy.WaitForCount(10);
        Assert.Equal(sent, failing.Requests.Count);
    }
}
