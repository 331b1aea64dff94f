using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Webhooks.DeadLetters;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Delivery;

/// <summary>The delivery API over data written straight to the database; workers are off, so nothing moves.</summary>
public sealed class DeliveryApiTests(WebhooksApp app) : IClassFixture<WebhooksApp>
{
    private readonly HttpClient _admin = app.Client();

    private async Task<(Guid Partner, Guid Subscription, HttpClient PartnerClient)> PartnerWithSubscription()
    {
        var partner = await _admin.CreatePartner();
        var created = await _admin.CreateSubscription(partner, "https://example.com/hook", "*");
        return (partner, Guid.Parse((string)created["id"]!), app.Client(await _admin.CreatePartnerKey(partner)));
    }

    [Fact]
    public async Task Deliveries_are_listed_newest_first_filtered_and_paged_by_cursor()
    {
        var (partner, subscription, _) = await PartnerWithSubscription();
        var type = Api.UniqueName("listed");
        await DeliveryData.InsertEvents(app.ConnectionString, subscription, 5, type);
        await DeliveryData.InsertEvents(app.ConnectionString, subscription, 2, type, status: "dead");

        var first = await _admin.GetAsync($"/api/v1/deliveries?subscriptionId={subscription}&limit=4").Expect(HttpStatusCode.OK);
        var second = await _admin.GetAsync($"/api/v1/deliveries?subscriptionId={subscription}&limit=4&cursor={first["nextCursor"]}").Expect(HttpStatusCode.OK);
        var ids = first["data"]!.AsArray().Concat(second["data"]!.AsArray()).Select(d => (string)d!["id"]!).ToList();
        Assert.Equal(7, ids.Distinct().Count());
        Assert.Equal(ids.OrderDescending(), ids);
        Assert.Null((string?)second["nextCursor"]);

        var dead = await _admin.GetAsync($"/api/v1/deliveries?status=dead&eventType={type}&partnerId={partner}").Expect(HttpStatusCode.OK);
        Assert.Equal(2, dead["data"]!.AsArray().Count);
        Assert.All(dead["data"]!.AsArray(), d => Assert.Equal(type, (string)d!["eventType"]!));
        var future = DateTimeOffset.UtcNow.AddHours(1).ToString("O");
        var none = await _admin.GetAsync($"/api/v1/deliveries?subscriptionId={subscription}&since={Uri.EscapeDataString(future)}").Expect(HttpStatusCode.OK);
        Assert.Empty(none["data"]!.AsArray());
    }

    [Fact]
    public async Task A_bad_filter_is_a_validation_problem_naming_the_parameter()
    {
        var problem = await _admin.GetAsync("/api/v1/deliveries?status=lost").Expect(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]!["status"]);
    }

    [Fact]
    public async Task A_partner_sees_and_replays_only_its_own_deliveries()
    {
        var (_, mine, partnerClient) = await PartnerWithSubscription();
        var (_, theirs, _) = await PartnerWithSubscription();
        await DeliveryData.InsertEvents(app.ConnectionString, mine, 2, status: "dead");
        var theirEvent = (await DeliveryData.InsertEvents(app.ConnectionString, theirs, 1, status: "dead"))[0];
        var theirDelivery = await DeliveryData.Scalar<Guid>(app.ConnectionString, "SELECT id FROM deliveries WHERE event_id = $1", theirEvent);

        var listed = await partnerClient.GetAsync("/api/v1/deliveries").Expect(HttpStatusCode.OK);
        Assert.Equal(2, listed["data"]!.AsArray().Count);
        Assert.All(listed["data"]!.AsArray(), d => Assert.Equal(mine.ToString(), (string)d!["subscriptionId"]!));
        Assert.Empty((await partnerClient.GetAsync($"/api/v1/deliveries?subscriptionId={theirs}").Expect(HttpStatusCode.OK))["data"]!.AsArray());
        await partnerClient.GetAsync($"/api/v1/deliveries/{theirDelivery}").Expect(HttpStatusCode.NotFound);
        await partnerClient.PostAsync($"/api/v1/deliveries/{theirDelivery}/replay", null).Expect(HttpStatusCode.NotFound);
        var bulk = await partnerClient.PostAsJsonAsync("/api/v1/deliveries/replay", new { status = "dead" }).Expect(HttpStatusCode.Accepted);
        Assert.Equal(2, (int)bulk["count"]!);
        Assert.Equal("dead", await DeliveryData.Scalar<string>(app.ConnectionString, "SELECT status FROM deliveries WHERE id = $1", theirDelivery));
    }

    [Fact]
    public async Task A_bulk_replay_spreads_its_deliveries_out_so_live_ones_go_first()
    {
        var (_, subscription, _) = await PartnerWithSubscription();
        await DeliveryData.InsertEvents(app.ConnectionString, subscription, 300, status: "dead");

        var answer = await _admin.PostAsJsonAsync("/api/v1/deliveries/replay", new { subscriptionId = subscription }).Expect(HttpStatusCode.Accepted);
        // Workers are off in this app: the test runs the job's body itself, as a worker would.
        await using (var scope = app.Services.CreateAsyncScope())
            await scope.ServiceProvider.GetRequiredService<ReplayService>().RunReplayAsync(Guid.Parse((string)answer["jobId"]!), CancellationToken.None);

        // At 100 a second (the default), 300 deliveries span about three seconds: a batch of 100 a second, each spread over its second.
        var spread = await DeliveryData.Scalar<double>(app.ConnectionString,
            "SELECT extract(epoch FROM max(next_attempt_at) - min(next_attempt_at))::float8 FROM deliveries WHERE subscription_id = $1 AND status = 'pending'", subscription);
        // Each batch is due from its own commit's now(); the job paces batches to whole seconds from its start, so a late
        // first commit narrows the spread a little (2.948 s in one CI run). The bound says "about three seconds"; its width is arbitrary.
        Assert.InRange(spread, 2.5, 3.5);
    }

    [Fact]
    public async Task The_delivery_api_needs_a_key()
    {
        await app.Client(apiKey: null).GetAsync("/api/v1/deliveries").Expect(HttpStatusCode.Unauthorized);
        var ingest = app.Client(await _admin.CreateKey("ingest"));
        await ingest.GetAsync("/api/v1/deliveries").Expect(HttpStatusCode.Forbidden);
    }
}

/// <summary>POST /subscriptions/{id}/test against a real receiver.</summary>
public sealed class TestSendTests(LoopbackApp app) : IClassFixture<LoopbackApp>
{
    private readonly HttpClient _admin = app.Client();

    [Fact]
    public async Task Testing_a_subscription_sends_the_event_types_example_now_and_returns_the_attempt()
    {
        await using var receiver = await TestReceiver.StartAsync(_ => new Answer(202, "thanks"));
        var type = await _admin.CreateEventType();
        var partner = await _admin.CreatePartner();
        var subscription = await _admin.CreateSubscription(partner, receiver.Url, type);
        var id = (string)subscription["id"]!;

        var result = await _admin.PostAsync($"/api/v1/subscriptions/{id}/test", null).Expect(HttpStatusCode.OK); // the body is optional
        Assert.Equal(type, (string)result["eventType"]!);
        Assert.Equal(202, (int)result["attempt"]!["statusCode"]!);
        Assert.Equal("thanks", (string)result["attempt"]!["responseBody"]!);
        var request = receiver.Requests.Single();
        Assert.Equal((string)result["eventId"]!, request.WebhookId);
        Assert.Equal("o-1", (string)JsonNode.Parse(request.Body)!["data"]!["orderId"]!);
        var delivery = await _admin.GetAsync($"/api/v1/deliveries/{result["deliveryId"]}").Expect(HttpStatusCode.OK);
        Assert.Equal("succeeded", (string)delivery["status"]!);
    }

    [Fact]
    public async Task A_test_send_is_listed_by_a_since_filter_at_its_own_creation_time()
    {
        await using var receiver = await TestReceiver.StartAsync(_ => new Answer(200, ""));
        var subscription = (string)(await _admin.CreateSubscription(await _admin.CreatePartner(), receiver.Url, await _admin.CreateEventType()))["id"]!;
        for (var i = 0; i < 10; i++)
        {
            var sent = await _admin.PostAsync($"/api/v1/subscriptions/{subscription}/test", null).Expect(HttpStatusCode.OK);
            var delivery = await _admin.GetAsync($"/api/v1/deliveries/{sent["deliveryId"]}").Expect(HttpStatusCode.OK);
            var since = Uri.EscapeDataString((string)delivery["createdAt"]!);
            var listed = await _admin.GetAsync($"/api/v1/deliveries?subscriptionId={subscription}&since={since}").Expect(HttpStatusCode.OK);
            Assert.Contains(listed["data"]!.AsArray(), d => (string)d!["id"]! == (string)sent["deliveryId"]!);
        }
    }

    [Fact]
    public async Task Testing_a_subscription_whose_filters_match_no_example_is_unprocessable()
    {
        var partner = await _admin.CreatePartner();
        var subscription = await _admin.CreateSubscription(partner, "https://example.com/hook", Api.UniqueName("nothing") + ".*");
        await _admin.PostAsJsonAsync($"/api/v1/subscriptions/{subscription["id"]}/test", new { }).Expect(HttpStatusCode.UnprocessableEntity);
        await _admin.PostAsJsonAsync($"/api/v1/subscriptions/{Guid.NewGuid()}/test", new { }).Expect(HttpStatusCode.NotFound);
    }
}
