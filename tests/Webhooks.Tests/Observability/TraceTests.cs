using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Observability;

public sealed class TraceTests(DeliveryApp app) : IClassFixture<DeliveryApp>
{
    [Fact]
    public async Task Each_attempt_is_a_span_in_the_trace_of_the_request_that_posted_the_event()
    {
        var traceId = ActivityTraceId.CreateRandom();
        var attempts = new ConcurrentBag<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name is "Webhooks" or "Microsoft.AspNetCore",
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = activity => { if (activity.OperationName == "webhook attempt" && activity.TraceId == traceId) attempts.Add(activity); },
        };
        ActivitySource.AddActivityListener(listener);
        await using var receiver = await TestReceiver.StartAsync();
        var admin = app.Client();
        var type = await admin.CreateEventType();
        await admin.CreateSubscription(await admin.CreatePartner(), receiver.Url, type);

        var post = new HttpRequestMessage(HttpMethod.Post, "/api/v1/events") { Content = JsonContent.Create(new { type, payload = new { orderId = "o", amount = 1 } }) };
        post.Headers.Add("traceparent", $"00-{traceId}-{ActivitySpanId.CreateRandom()}-01");
        await admin.SendAsync(post).Expect(HttpStatusCode.Accepted);

        var received = await receiver.WaitForCount(1);
        var deadline = DateTime.UtcNow.AddSeconds(5);
        while (attempts.IsEmpty && DateTime.UtcNow < deadline) await Task.Delay(50);
        var attempt = Assert.Single(attempts);
        Assert.Equal(200, attempt.GetTagItem("http.response.status_code"));
        Assert.False(received[0].Headers.ContainsKey("traceparent"), "trace context must not leak to subscribers");
    }
}
