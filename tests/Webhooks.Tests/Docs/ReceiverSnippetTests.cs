using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using Webhooks.Delivery;
using Webhooks.Subscriptions;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Docs;

/// <summary>
/// The receivers that docs/receiving.md shows, run as they are written: each verifies the app's real deliveries, answers a
/// repeat of the same webhook-id without handling it twice, and refuses a forged, tampered or stale request.
/// </summary>
public sealed class ReceiverSnippetTests(DeliveryApp app) : IClassFixture<DeliveryApp>
{
    [Theory]
    [InlineData("receiver.cs")]
    [InlineData("receiver.mjs")]
    [InlineData("receiver.py")]
    public async Task The_receiver_verifies_real_deliveries_and_refuses_forged_ones(string file)
    {
        var admin = app.Client();
        var type = await admin.CreateEventType();
        var partner = await admin.CreatePartner();
        var port = AppProcess.FreePort();
        var subscription = await admin.CreateSubscription(partner, $"http://127.0.0.1:{port}/webhooks", type);
        var secret = (string)subscription["secret"]!;
        await using var receiver = await SnippetProcess.StartAsync(file, secret, port);

        var sent = await admin.PostAsJsonAsync("/api/v1/events", new { type, payload = new { orderId = "o-1", amount = 12.5 } }).Expect(HttpStatusCode.Accepted);
        var id = (string)sent["id"]!;
        await receiver.WaitForLine($"verified {id}");
        await WaitForSucceeded(admin, (string)subscription["id"]!);

        var body = JsonSerializer.Serialize(new { type, timestamp = "2026-12-01T10:00:00Z", data = new { orderId = "o-1", amount = 12.5 } });
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        using var http = new HttpClient();
        Assert.Equal(HttpStatusCode.NoContent, await Post(http, receiver.Url, id, now, body, body, secret));
        await receiver.WaitForLine($"duplicate {id}");

        var forged = Guid.NewGuid().ToString();
        Assert.Equal(HttpStatusCode.BadRequest, await Post(http, receiver.Url, forged, now, body, body.Replace("12.5", "1250"), secret));
        Assert.Equal(HttpStatusCode.BadRequest, await Post(http, receiver.Url, forged, now, body, body, SigningSecrets.Generate()));
        Assert.Equal(HttpStatusCode.BadRequest, await Post(http, receiver.Url, forged, now - 600, body, body, secret));
        await receiver.WaitForLinesStartingWith("rejected", 3);
        Assert.Equal(3, receiver.Lines.Count(l => l.StartsWith("rejected")));
        Assert.DoesNotContain(receiver.Lines, l => l.Contains(forged));
    }

    /// <summary>Posts <paramref name="sent"/> with the headers that sign <paramref name="signed"/>.</summary>
    private static async Task<HttpStatusCode> Post(HttpClient http, string url, string id, long timestamp, string signed, string sent, string secret)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, url) { Content = new StringContent(sent, Encoding.UTF8, "application/json") };
        request.Headers.Add("webhook-id", id);
        request.Headers.Add("webhook-timestamp", timestamp.ToString());
        request.Headers.Add("webhook-signature", WebhookSigner.Sign(id, timestamp, Encoding.UTF8.GetBytes(signed), [secret]));
        using var response = await http.SendAsync(request);
        return response.StatusCode;
    }

    private static async Task WaitForSucceeded(HttpClient admin, string subscriptionId)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var page = await admin.GetAsync($"/api/v1/deliveries?subscriptionId={subscriptionId}").Expect(HttpStatusCode.OK);
            var status = (string?)page["data"]?[0]?["status"];
            if (status == DeliveryStatus.Succeeded) return;
            Assert.True(DateTime.UtcNow < deadline, $"The delivery is {status}, not succeeded.");
            await Task.Delay(100);
        }
    }
}
