using System.Diagnostics.Metrics;
using System.Net;
using System.Net.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Ingest;

public sealed class GroupCommitTests(WebhooksApp app) : IClassFixture<WebhooksApp>
{
    [Fact]
    public async Task Concurrent_requests_share_commits_and_each_is_answered_after_its_own()
    {
        var admin = app.Client();
        var type = await admin.CreateEventType();
        var meters = app.Services.GetRequiredService<IMeterFactory>();
        var batchSizes = new List<int>();
        using var listener = new MeterListener();
        listener.InstrumentPublished = (instrument, l) =>
        {
            if (instrument.Meter.Scope == meters && instrument.Name == "webhooks.ingest.batch_size") l.EnableMeasurementEvents(instrument);
        };
        listener.SetMeasurementEventCallback<int>((_, size, _, _) => { lock (batchSizes) batchSizes.Add(size); });
        listener.Start();

        var responses = await Task.WhenAll(Enumerable.Range(0, 200).Select(i =>
            admin.PostAsJsonAsync("/api/v1/events", new { type, payload = new { orderId = $"o-{i}", amount = i } })));

        Assert.All(responses, r => Assert.Equal(HttpStatusCode.Accepted, r.StatusCode));
        lock (batchSizes)
        {
            Assert.Equal(200, batchSizes.Sum());
            Assert.True(batchSizes.Count < 200, $"200 events took {batchSizes.Count} commits");
        }
        foreach (var response in responses)
            await admin.GetAsync($"/api/v1/events/{(await response.ReadJson())["id"]}").Expect(HttpStatusCode.OK);
    }
}
