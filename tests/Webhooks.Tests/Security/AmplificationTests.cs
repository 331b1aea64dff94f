using System.Net;
using System.Net.Http.Json;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Security;

/// <summary>One key cannot multiply the traffic the service sends: subscriptions per partner are bounded, test sends are rate-limited.</summary>
public sealed class AmplificationTests(LoopbackApp app) : IClassFixture<LoopbackApp>
{
    private readonly HttpClient _admin = app.Client();

    [Fact]
    public async Task A_partner_may_have_100_subscriptions_even_when_they_are_created_at_once()
    {
        var partner = await _admin.CreatePartner();
        var key = app.Client(await _admin.CreatePartnerKey(partner));

        var created = await Task.WhenAll(Enumerable.Range(0, 110).Select(async i =>
        {
            // Creations for one partner wait for each other, each holding a pooled connection: on a loaded machine 110 at
            // once can wait longer for a connection than the app allows, and it answers 503 with Retry-After, having
            // stored nothing. A client retries then, and so does the test; the limit must hold across the retries too.
            for (var attempt = 1; ; attempt++)
            {
                var response = await key.PostAsJsonAsync("/api/v1/subscriptions", new { url = $"https://hooks.example.com/{i}", eventTypes = new[] { "*" } });
                if (response.StatusCode != HttpStatusCode.ServiceUnavailable || attempt == 10) return response;
                await Task.Delay(response.Headers.RetryAfter?.Delta ?? TimeSpan.FromSeconds(5));
            }
        }));

        var statuses = string.Join(", ", created.GroupBy(r => r.StatusCode).Select(g => $"{g.Count()} × {(int)g.Key}"));
        Assert.True(created.Count(r => r.StatusCode == HttpStatusCode.Created) == 100, statuses);
        var refused = created.Where(r => r.StatusCode != HttpStatusCode.Created).ToList();
        Assert.Equal(10, refused.Count);
        foreach (var response in refused)
        {
            Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            Assert.Equal("urn:webhooks:problem:subscription-limit", (string)(await response.ReadJson())["type"]!);
        }
        // Another partner is not affected, and deleting one makes room for one.
        await _admin.CreateSubscription(await _admin.CreatePartner(), "https://hooks.example.com/other", "*");
        var one = (string)(await created.First(r => r.StatusCode == HttpStatusCode.Created).ReadJson())["id"]!;
        await key.DeleteAsync($"/api/v1/subscriptions/{one}").Expect(HttpStatusCode.NoContent);
        await key.PostAsJsonAsync("/api/v1/subscriptions", new { url = "https://hooks.example.com/again", eventTypes = new[] { "*" } }).Expect(HttpStatusCode.Created);
        await key.PostAsJsonAsync("/api/v1/subscriptions", new { url = "https://hooks.example.com/more", eventTypes = new[] { "*" } }).Expect(HttpStatusCode.UnprocessableEntity);
    }

    [Fact]
    public async Task Test_sends_honour_the_subscription_s_rate_limit()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var type = await _admin.CreateEventType();
        var partner = await _admin.CreatePartner();
        var subscription = await _admin.PostAsJsonAsync("/api/v1/subscriptions",
            new { partnerId = partner, url = receiver.Url, eventTypes = new[] { type }, rateLimitPerSecond = 1 }).Expect(HttpStatusCode.Created);

        // A first send elsewhere warms the connection to the receiver, so the timings below are the limit's.
        var warm = await _admin.CreateSubscription(partner, receiver.Url + "/warm", type);
        await _admin.PostAsync($"/api/v1/subscriptions/{warm["id"]}/test", null).Expect(HttpStatusCode.OK);

        var asked = DateTimeOffset.UtcNow;
        var sends = await Task.WhenAll(Enumerable.Range(0, 4).Select(_ => _admin.PostAsync($"/api/v1/subscriptions/{subscription["id"]}/test", null)));

        Assert.Contains(sends, s => s.StatusCode == HttpStatusCode.OK);
        foreach (var refused in sends.Where(s => s.StatusCode != HttpStatusCode.OK))
        {
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
            Assert.Equal("urn:webhooks:problem:rate-limited", (string)(await refused.ReadJson())["type"]!);
            Assert.NotNull(refused.Headers.RetryAfter);
        }
        var times = receiver.Requests.Where(r => r.Path == "/hook").Select(r => r.At).Order().ToList();
        Assert.Equal(sends.Count(s => s.StatusCode == HttpStatusCode.OK), times.Count);
        // One a second: the slots are a second apart from the first, taken after the test asked (all would arrive at once
        // without the limit). A send may be late on a loaded machine, never early, so each is held against its own slot
        // rather than against its neighbour.
        for (var i = 1; i < times.Count; i++)
            Assert.True(times[i] >= asked + TimeSpan.FromSeconds(i) - TimeSpan.FromMilliseconds(20),
                $"test send {i + 1} arrived {(times[i] - asked).TotalSeconds:F2} s after the sends were asked for, before its slot at {i} s");
    }

    [Fact]
    public async Task Test_sends_to_one_partner_are_limited_per_minute_whoever_asks()
    {
        await using var limited = new ConfiguredApp(new Dictionary<string, string?>
        {
            ["Webhooks:Delivery:AllowedNetworks:0"] = "127.0.0.1/32",
            ["Webhooks:Limits:TestSendsPerMinute"] = "3",
        });
        await limited.InitializeAsync();
        var admin = limited.Client();
        await using var receiver = await TestReceiver.StartAsync();
        var type = await admin.CreateEventType();
        var partner = await admin.CreatePartner();
        var first = await admin.CreateSubscription(partner, receiver.Url, type);
        var second = await admin.CreateSubscription(partner, receiver.Url + "/2", type);
        var partnerKey = limited.Client(await admin.CreatePartnerKey(partner));

        await admin.PostAsync($"/api/v1/subscriptions/{first["id"]}/test", null).Expect(HttpStatusCode.OK);
        await partnerKey.PostAsync($"/api/v1/subscriptions/{second["id"]}/test", null).Expect(HttpStatusCode.OK);
        await admin.PostAsync($"/api/v1/subscriptions/{second["id"]}/test", null).Expect(HttpStatusCode.OK);
        var refused = await partnerKey.PostAsync($"/api/v1/subscriptions/{first["id"]}/test", null);

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("urn:webhooks:problem:rate-limited", (string)(await refused.ReadJson())["type"]!);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero);
        Assert.Equal(3, receiver.Requests.Count);
        // Another partner's endpoints have their own allowance.
        var other = await admin.CreateSubscription(await admin.CreatePartner(), receiver.Url, type);
        await admin.PostAsync($"/api/v1/subscriptions/{other["id"]}/test", null).Expect(HttpStatusCode.OK);
    }
}
