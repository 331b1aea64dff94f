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

    [Fact]
    public async Task When_a_commits_deliveries_cannot_be_written_its_event_is_not_stored_either_and_the_next_commit_works()
    {
        var admin = app.Client();
        var type = await admin.CreateEventType();
        var subscription = await admin.CreateSubscription(await admin.CreatePartner(), "https://example.com/hook", type);
        var trigger = "refuse_" + ((string)subscription["id"]!).Replace("-", "");
        await DeliveryData.Execute(app.ConnectionString, $"""
            CREATE FUNCTION {trigger}() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                IF NEW.subscription_id = '{subscription["id"]}' THEN RAISE EXCEPTION 'refused by the test'; END IF;
                RETURN NEW;
            END $$;
            CREATE TRIGGER {trigger} BEFORE INSERT ON deliveries FOR EACH ROW EXECUTE FUNCTION {trigger}();
            """);

        var refused = await admin.PostAsJsonAsync("/api/v1/events", new { type, payload = new { orderId = "o-1", amount = 1 } });
        Assert.Equal(HttpStatusCode.InternalServerError, refused.StatusCode);
        Assert.Equal(0L, await DeliveryData.Scalar<long>(app.ConnectionString, "SELECT count(*) FROM events WHERE type = $1", type));

        await DeliveryData.Execute(app.ConnectionString, $"DROP TRIGGER {trigger} ON deliveries");
        var accepted = await admin.PostAsJsonAsync("/api/v1/events", new { type, payload = new { orderId = "o-2", amount = 2 } })
            .Expect(HttpStatusCode.Accepted);
        Assert.Equal(1, (int)accepted["deliveries"]!);
        Assert.Equal(1L, await DeliveryData.Scalar<long>(app.ConnectionString, "SELECT count(*) FROM events WHERE type = $1", type));
    }
}
