using System.Net;
using System.Net.Http.Json;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Delivery;

public sealed class ReplayTests(DeliveryApp app) : IClassFixture<DeliveryApp>, IAsyncLifetime
{
    private TestReceiver _receiver = null!;
    private readonly HttpClient _admin = app.Client();
    private int _failuresLeft;

    public async Task InitializeAsync() =>
        _receiver = await TestReceiver.StartAsync(_ => Interlocked.Decrement(ref _failuresLeft) >= 0 ? new Answer(500) : new Answer());

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private async Task<(Guid Partner, Guid Subscription)> Subscribe()
    {
        var partner = await _admin.CreatePartner();
        var created = await _admin.CreateSubscription(partner, _receiver.Url, "*");
        return (partner, Guid.Parse((string)created["id"]!));
    }

    private async Task<Guid[]> DeadDeliveries(Guid subscription, int count, string type = "test.event")
    {
        Interlocked.Exchange(ref _failuresLeft, count * (DeliveryApp.RetryCount + 1));
        var events = await DeliveryData.InsertEvents(app.ConnectionString, subscription, count, type);
        await DeliveryData.WaitUntil(app.ConnectionString,
            "SELECT count(*) = $2 FROM deliveries WHERE event_id = ANY($1) AND status = 'dead'", [events, (long)count], "the deliveries to die");
        return events;
    }

    [Fact]
    public async Task Replaying_a_dead_delivery_sends_it_again_with_the_same_webhook_id_and_numbers_its_attempts_on()
    {
        var (_, subscription) = await Subscribe();
        var eventId = (await DeadDeliveries(subscription, 1))[0];
        var id = await DeliveryData.Scalar<Guid>(app.ConnectionString, "SELECT id FROM deliveries WHERE event_id = $1", eventId);

        var replayed = await _admin.PostAsync($"/api/v1/deliveries/{id}/replay", null).Expect(HttpStatusCode.Accepted);
        Assert.Equal(id.ToString(), (string)replayed["id"]!);

        await DeliveryData.WaitUntil(app.ConnectionString, "SELECT status = 'succeeded' FROM deliveries WHERE id = $1", [id], "the replay to succeed");
        var detail = await _admin.GetAsync($"/api/v1/deliveries/{id}").Expect(HttpStatusCode.OK);
        var attempts = detail["attempts"]!.AsArray();
        Assert.Equal(DeliveryApp.RetryCount + 2, attempts.Count);
        Assert.Equal(200, (int)attempts[^1]!["statusCode"]!);
        Assert.Equal(DeliveryApp.RetryCount + 2, (int)attempts[^1]!["number"]!);
        Assert.All(_receiver.Requests.Where(r => r.WebhookId == eventId.ToString()), r => Assert.Equal(eventId.ToString(), r.WebhookId));
        Assert.Equal(DeliveryApp.RetryCount + 2, _receiver.Requests.Count(r => r.WebhookId == eventId.ToString()));
        Assert.Equal(1L, await DeliveryData.Scalar<long>(app.ConnectionString, "SELECT count(*) FROM replays WHERE filter->>'deliveryId' = $1", id.ToString()));
    }

    [Fact]
    public async Task A_replayed_delivery_gets_a_fresh_retry_budget()
    {
        var (_, subscription) = await Subscribe();
        var eventId = (await DeadDeliveries(subscription, 1))[0];
        var id = await DeliveryData.Scalar<Guid>(app.ConnectionString, "SELECT id FROM deliveries WHERE event_id = $1", eventId);

        Interlocked.Exchange(ref _failuresLeft, DeliveryApp.RetryCount + 1);
        await _admin.PostAsync($"/api/v1/deliveries/{id}/replay", null).Expect(HttpStatusCode.Accepted);
        await DeliveryData.WaitUntil(app.ConnectionString, "SELECT status = 'dead' AND attempt_count = $2 FROM deliveries WHERE id = $1",
            [id, 2 * (DeliveryApp.RetryCount + 1)], "the replay to use its whole budget and die again");
    }

    [Fact]
    public async Task Only_dead_or_succeeded_deliveries_can_be_replayed()
    {
        var (_, subscription) = await Subscribe();
        await _admin.PatchAsJsonAsync($"/api/v1/subscriptions/{subscription}", new { enabled = false }).Expect(HttpStatusCode.OK);
        var eventId = (await DeliveryData.InsertEvents(app.ConnectionString, subscription, 1))[0];
        await DeliveryData.WaitUntil(app.ConnectionString, "SELECT status = 'paused' FROM deliveries WHERE event_id = $1", [eventId], "the delivery to pause");
        var id = await DeliveryData.Scalar<Guid>(app.ConnectionString, "SELECT id FROM deliveries WHERE event_id = $1", eventId);

        await _admin.PostAsync($"/api/v1/deliveries/{id}/replay", null).Expect(HttpStatusCode.Conflict);
        await _admin.PostAsync($"/api/v1/deliveries/{Guid.NewGuid()}/replay", null).Expect(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_bulk_replay_by_filter_queues_the_matching_dead_deliveries_paced_and_records_who_asked()
    {
        var (partner, subscription) = await Subscribe();
        var type = Api.UniqueName("bulk");
        await DeadDeliveries(subscription, 6, type);
        var (_, other) = await Subscribe();
        var untouched = await DeadDeliveries(other, 2, type);

        var answer = await _admin.PostAsJsonAsync("/api/v1/deliveries/replay", new { subscriptionId = subscription, eventType = type, status = "dead" })
            .Expect(HttpStatusCode.Accepted);
        Assert.Equal(6, (int)answer["count"]!);
        var replay = await DeliveryData.Scalar<string>(app.ConnectionString,
            "SELECT requested_by || ' ' || count FROM replays WHERE filter->>'subscriptionId' = $1", subscription.ToString());
        Assert.Equal("key whk_test-adm 6", replay); // the caller's name: its API key's visible prefix

        await DeliveryData.WaitUntil(app.ConnectionString, "SELECT count(*) = 6 FROM deliveries WHERE subscription_id = $1 AND status = 'succeeded'",
            [subscription], "the replayed deliveries to succeed");
        Assert.Equal(2L, await DeliveryData.Scalar<long>(app.ConnectionString, "SELECT count(*) FROM deliveries WHERE event_id = ANY($1) AND status = 'dead'", untouched));
        var byPartner = await _admin.PostAsJsonAsync("/api/v1/deliveries/replay", new { partnerId = partner }).Expect(HttpStatusCode.Accepted);
        Assert.Equal(0, (int)byPartner["count"]!);
    }

    [Fact]
    public async Task A_bulk_replay_rejects_statuses_that_cannot_be_replayed()
    {
        var problem = await _admin.PostAsJsonAsync("/api/v1/deliveries/replay", new { status = "pending" }).Expect(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]!["$.status"]);
    }
}
