using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using Webhooks.Client;
using Webhooks.Client.Receiving;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Client;

/// <summary>The app as its own process on 127.0.0.1, with quick retries; every test makes its own event type, partner and subscriptions.</summary>
public sealed class ClientStack : IAsyncLifetime
{
    public AppProcess App { get; private set; } = null!;

    public async Task InitializeAsync()
    {
        var settings = AppProcess.DeliverySettings();
        for (var i = 0; i < 7; i++) settings[$"Webhooks:Delivery:RetrySchedule:{i}"] = "00:00:00.100";
        // Tests that fail on purpose would otherwise open the circuit and hold deliveries back for its break.
        settings["Webhooks:Delivery:CircuitBreaker:MinimumThroughput"] = "100000";
        App = await AppProcess.StartAsync(await TestPostgres.CreateDatabaseAsync(), settings);
    }

    public WebhooksClient Client(string apiKey = TestCredentials.AdminKey) => new(App.Address, apiKey);

    public async Task DisposeAsync() => await App.DisposeAsync();
}

/// <summary>Producers and partners using Webhooks.Client against the running app, and a receiver verifying real deliveries with its helper.</summary>
public sealed class ClientEndToEndTests(ClientStack stack) : IClassFixture<ClientStack>
{
    private const string Unreachable = "http://127.0.0.1:9/hook";

    /// <summary>An event type, a partner with a key, and a subscription the partner made with the client and pointed at a verifying receiver.</summary>
    private sealed record Setup(string Type, Guid PartnerId, Subscription Subscription, string Secret, VerifyingReceiver Receiver, WebhooksClient Partner) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Partner.Dispose();
            await Receiver.DisposeAsync();
        }
    }

    private async Task<Setup> SetUpAsync()
    {
        using var admin = stack.App.Client();
        var type = await admin.CreateEventType();
        var partnerId = await admin.CreatePartner();
        var partner = stack.Client(await admin.CreatePartnerKey(partnerId));
        // The receiver needs the secret before it starts, and the subscription its URL: create, start, then point it there.
        var created = await partner.Subscriptions.CreateAsync(new NewSubscription(Unreachable, [type]) { Description = "client test" });
        Assert.Equal(partnerId, created.PartnerId);
        Assert.StartsWith("whsec_", created.Secret);
        Assert.DoesNotContain(created.Secret!, created.ToString()); // a logged subscription does not leak it
        var receiver = await VerifyingReceiver.StartAsync(created.Secret!);
        var subscription = await partner.Subscriptions.UpdateAsync(created.Id, new SubscriptionChanges { Url = receiver.Url });
        Assert.Equal(receiver.Url, subscription.Url);
        Assert.Null(subscription.Secret);
        return new Setup(type, partnerId, subscription, created.Secret!, receiver, partner);
    }

    [Fact]
    public async Task Events_sent_with_the_client_reach_a_receiver_that_verifies_and_binds_them()
    {
        await using var setup = await SetUpAsync();
        var (type, _, _, _, receiver, partner) = setup;
        using var admin = stack.App.Client();
        using var producer = stack.Client(await admin.CreateKey("ingest"));

        var first = await producer.Events.SendAsync(type, new Order("o-1", 10.5m), idempotencyKey: "o-1-placed");
        var repeat = await producer.Events.SendAsync(type, new Order("o-1", 10.5m), idempotencyKey: "o-1-placed");
        var batch = await producer.Events.SendBatchAsync([new NewEvent(type, new Order("o-2", 3m)), new NewEvent(type, new { orderId = "o-3" })]);

        Assert.Equal(1, first.Deliveries);
        Assert.Equal(first.Id, repeat.Id);
        Assert.True(batch.Results[0].Accepted);
        Assert.False(batch.Results[1].Accepted);
        Assert.Equal("urn:webhooks:problem:payload-invalid", batch.Results[1].Error!.Type);
        var verified = await receiver.WaitFor(v => v.Count >= 2, "both accepted events");
        Assert.Equal(["o-1", "o-2"], verified.Select(w => w.Data.OrderId).Order());
        var webhook = verified.Single(w => w.Data.OrderId == "o-1");
        Assert.Equal(first.Id.ToString(), webhook.Id);
        Assert.Equal(type, webhook.Type);
        Assert.Equal(10.5m, webhook.Data.Amount);

        // The partner sees both deliveries succeeded, through the client.
        await WaitForAsync(async () =>
        {
            var page = await partner.Deliveries.ListAsync(new DeliveryFilter { EventType = type, Status = DeliveryStatus.Succeeded });
            return page.Data.Count == 2 ? page : null;
        }, "both deliveries succeeded");
    }

    [Fact]
    public async Task The_receiver_helper_binds_webhooks_in_each_format_the_service_sends()
    {
        await using var setup = await SetUpAsync();
        var (type, _, subscription, _, receiver, partner) = setup;
        using var admin = stack.Client();
        foreach (var format in new[] { DeliveryFormat.StandardWebhooks, DeliveryFormat.CloudEventsStructured, DeliveryFormat.CloudEventsBinary })
        {
            await partner.Subscriptions.UpdateAsync(subscription.Id, new SubscriptionChanges { Format = format });
            var sent = await admin.Events.SendAsync(type, new Order("o-" + format, 4.25m));
            var id = sent.Id.ToString();
            var webhook = (await receiver.WaitFor(v => v.Any(w => w.Id == id), $"the {format} webhook")).Single(w => w.Id == id);
            Assert.Equal(type, webhook.Type);
            Assert.InRange((webhook.Timestamp - sent.CreatedAt).Duration(), TimeSpan.Zero, TimeSpan.FromMilliseconds(1));
            Assert.Equal(new Order("o-" + format, 4.25m), webhook.Data);
        }
    }

    [Fact]
    public async Task The_receiver_helper_refuses_a_forged_or_stale_webhook_without_calling_the_handler()
    {
        await using var setup = await SetUpAsync();
        var (_, _, _, secret, receiver, _) = setup;
        using var http = new HttpClient();
        var body = """{"type":"order.placed","timestamp":"2026-11-22T08:30:00Z","data":{"orderId":"forged","amount":1}}""";
        var now = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var otherSecret = "whsec_" + Convert.ToBase64String(new byte[32]);

        // Signed with another secret; signed with the right one but an hour ago (a captured request played again).
        foreach (var (key, timestamp) in new[] { (otherSecret, now), (secret, now - 3600) })
        {
            using var request = new HttpRequestMessage(HttpMethod.Post, receiver.Url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
            request.Headers.Add("webhook-id", "msg_forged");
            request.Headers.Add("webhook-timestamp", timestamp.ToString());
            request.Headers.Add("webhook-signature", WebhookVerifier.Sign(key, "msg_forged", timestamp, Encoding.UTF8.GetBytes(body)));
            var response = await http.SendAsync(request);
            Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        }
        var unsigned = await http.PostAsync(receiver.Url, new StringContent(body, Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.BadRequest, unsigned.StatusCode);
        Assert.Empty(receiver.Verified);

        // The same request signed now with the subscription's secret is taken: the refusals above were for the signature and the time.
        using var genuine = new HttpRequestMessage(HttpMethod.Post, receiver.Url) { Content = new StringContent(body, Encoding.UTF8, "application/json") };
        genuine.Headers.Add("webhook-id", "msg_genuine");
        genuine.Headers.Add("webhook-timestamp", now.ToString());
        genuine.Headers.Add("webhook-signature", WebhookVerifier.Sign(secret, "msg_genuine", now, Encoding.UTF8.GetBytes(body)));
        Assert.Equal(HttpStatusCode.NoContent, (await http.SendAsync(genuine)).StatusCode);
        Assert.Equal("msg_genuine", Assert.Single(receiver.Verified).Id);
    }

    [Fact]
    public async Task Dead_deliveries_are_replayed_with_the_client_one_by_one_and_by_filter()
    {
        await using var setup = await SetUpAsync();
        var (type, _, subscription, _, receiver, partner) = setup;
        using var admin = stack.Client();
        receiver.Failing = true;

        var events = new List<EventAccepted>();
        for (var i = 1; i <= 3; i++) events.Add(await admin.Events.SendAsync(type, new Order($"r-{i}", i)));
        var dead = await WaitForAsync(async () =>
        {
            var page = await partner.Deliveries.ListAsync(new DeliveryFilter { SubscriptionId = subscription.Id, Status = DeliveryStatus.Dead });
            return page.Data.Count == 3 ? page.Data : null;
        }, "three dead deliveries");
        var one = await partner.Deliveries.GetAsync(dead[0].Id);
        Assert.Equal(DeliveryApp.RetryCount + 1, one.Attempts!.Count);
        Assert.All(one.Attempts, a => Assert.Equal(500, a.StatusCode));
        receiver.Failing = false;

        var replayed = await partner.Deliveries.ReplayAsync(one.Id);
        Assert.Equal(one.Id, replayed.Id);
        Assert.Contains(replayed.Status, new[] { DeliveryStatus.Pending, DeliveryStatus.Succeeded }); // a quick worker may have sent it already
        await receiver.WaitFor(v => v.Any(w => w.Id == one.EventId.ToString()), "the replayed delivery");

        var bulk = await partner.Deliveries.ReplayMatchingAsync(new DeliveryFilter { SubscriptionId = subscription.Id });
        Assert.Equal(2, bulk.Count); // the other two: the first is no longer dead
        var verified = await receiver.WaitFor(v => events.All(e => v.Any(w => w.Id == e.Id.ToString())), "every replayed event");
        Assert.Equal(["r-1", "r-2", "r-3"], verified.Select(w => w.Data.OrderId).Distinct().Order());

        // A delivery held for a disabled subscription is paused: not replayable.
        await partner.Subscriptions.UpdateAsync(subscription.Id, new SubscriptionChanges { Enabled = false });
        await admin.Events.SendAsync(type, new Order("held", 1));
        var paused = await partner.Deliveries.ListAsync(new DeliveryFilter { SubscriptionId = subscription.Id, Status = DeliveryStatus.Paused });
        var conflict = await Assert.ThrowsAsync<WebhooksProblemException>(() => partner.Deliveries.ReplayAsync(paused.Data.Single().Id));
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.True(conflict.Is("conflict"), conflict.Message);
    }

    [Fact]
    public async Task Subscriptions_are_listed_rotated_and_deleted_with_the_client()
    {
        await using var setup = await SetUpAsync();
        var (type, partnerId, subscription, _, _, partner) = setup;
        using var admin = stack.Client();

        var listed = await admin.Subscriptions.ListAsync(partnerId);
        Assert.Equal([subscription.Id], listed.Data.Select(s => s.Id));
        Assert.Contains(subscription.Id, await admin.Subscriptions.ListAllAsync().Select(s => s.Id).ToListAsync());

        // A receiver that knows only the new secret verifies deliveries at once: they carry a signature of each secret.
        var rotated = await partner.Subscriptions.RotateSecretAsync(subscription.Id);
        Assert.StartsWith("whsec_", rotated.Secret);
        await using var newReceiver = await VerifyingReceiver.StartAsync(rotated.Secret!);
        await partner.Subscriptions.UpdateAsync(subscription.Id, new SubscriptionChanges { Url = newReceiver.Url });
        var sent = await admin.Events.SendAsync(type, new Order("after-rotation", 1));
        await newReceiver.WaitFor(v => v.Any(w => w.Id == sent.Id.ToString()), "the event signed after the rotation");

        await partner.Subscriptions.DeleteAsync(subscription.Id);
        var gone = await Assert.ThrowsAsync<WebhooksProblemException>(() => partner.Subscriptions.GetAsync(subscription.Id));
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.True(gone.Is("not-found"));
    }

    [Fact]
    public async Task A_refused_call_throws_the_problem_details_with_its_type_and_failing_paths()
    {
        using var admin = stack.App.Client();
        var type = await admin.CreateEventType();
        using var client = stack.Client();

        var unknown = await Assert.ThrowsAsync<WebhooksProblemException>(() => client.Events.SendAsync("no.such.type", new { }));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, unknown.StatusCode);
        Assert.True(unknown.Is("unknown-event-type"));

        var invalid = await Assert.ThrowsAsync<WebhooksProblemException>(() => client.Events.SendAsync(type, new { orderId = 5 }));
        Assert.True(invalid.Is("payload-invalid"), invalid.Message);
        Assert.Contains(invalid.Errors.Keys, k => k.StartsWith("$.payload", StringComparison.Ordinal));
        Assert.Contains("payload-invalid", invalid.Message);

        var validation = await Assert.ThrowsAsync<WebhooksProblemException>(() => client.Subscriptions.CreateAsync(new NewSubscription("not a url", [type])));
        Assert.True(validation.Is("validation"));
        Assert.Contains("$.url", validation.Errors.Keys);

        using var noKey = stack.Client("whk_not-a-key-at-all-0000");
        var unauthorized = await Assert.ThrowsAsync<WebhooksProblemException>(() => noKey.Subscriptions.ListAsync());
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorized.StatusCode);
    }

    /// <summary>An event type, and a partner with a client on its own key.</summary>
    private sealed record PartnerSetup(string Type, WebhooksClient Partner) : IDisposable
    {
        public void Dispose() => Partner.Dispose();
    }

    /// <summary>The partner's client goes through <paramref name="handler"/> when one is given (the test disposes it).</summary>
    private async Task<PartnerSetup> PartnerAsync(HttpMessageHandler? handler = null)
    {
        using var admin = stack.App.Client();
        var type = await admin.CreateEventType();
        var key = await admin.CreatePartnerKey(await admin.CreatePartner());
        var partner = handler is null
            ? stack.Client(key)
            : new WebhooksClient(new HttpClient(handler, disposeHandler: false), new WebhooksClientOptions { BaseAddress = stack.App.Address, ApiKey = key });
        return new PartnerSetup(type, partner);
    }

    [Fact]
    public async Task A_subscription_in_the_CloudEvents_structured_format_gets_the_whole_CloudEvent_signed()
    {
        using var setup = await PartnerAsync();
        var (type, partner) = setup;
        using var admin = stack.Client();
        await using var receiver = await TestReceiver.StartAsync();

        var created = await partner.Subscriptions.CreateAsync(new NewSubscription(receiver.Url, [type]) { Format = DeliveryFormat.CloudEventsStructured });
        Assert.Equal(DeliveryFormat.CloudEventsStructured, created.Format);
        Assert.Equal(new Destination(DestinationType.Http) { Url = receiver.Url }, created.Destination);
        Assert.False(created.VerifyOwnership);
        Assert.Null(created.Verification);
        var sent = await admin.Events.SendAsync(type, new Order("ce-1", 7m));

        var delivered = (await receiver.WaitForCount(1)).Single();
        Assert.StartsWith("application/cloudevents+json", delivered.Headers["content-type"]);
        var cloudEvent = JsonNode.Parse(delivered.Body)!;
        Assert.Equal("1.0", (string?)cloudEvent["specversion"]);
        Assert.Equal(sent.Id.ToString(), (string?)cloudEvent["id"]);
        Assert.Equal(type, (string?)cloudEvent["type"]);
        Assert.Equal("ce-1", (string?)cloudEvent["data"]!["orderId"]);
        // Signed over the body as sent, like every format.
        new WebhookVerifier(created.Secret!).Verify(delivered.WebhookId, delivered.Headers["webhook-timestamp"], delivered.Headers["webhook-signature"], Encoding.UTF8.GetBytes(delivered.Body));
    }

    [Fact]
    public async Task A_change_sends_only_the_members_set_and_leaves_the_others_as_they_were()
    {
        using var recorder = new RecordingHandler();
        using var setup = await PartnerAsync(recorder);
        var (type, partner) = setup;
        var created = await partner.Subscriptions.CreateAsync(new NewSubscription("http://127.0.0.1:9/kept", [type])
        {
            Description = "kept", Headers = new Dictionary<string, string> { ["X-Tenant"] = "acme" }, RateLimitPerSecond = 5,
            Format = DeliveryFormat.CloudEventsBinary,
        });

        var changed = await partner.Subscriptions.UpdateAsync(created.Id, new SubscriptionChanges { Format = DeliveryFormat.StandardWebhooks });

        var patch = recorder.Calls.Single(c => c.Method == HttpMethod.Patch);
        Assert.Equal("""{"format":"standard-webhooks"}""", patch.RequestBody);
        Assert.Equal(DeliveryFormat.StandardWebhooks, changed.Format);
        Assert.Equal("http://127.0.0.1:9/kept", changed.Url);
        Assert.Equal("kept", changed.Description);
        Assert.Equal(5, changed.RateLimitPerSecond);
        Assert.Equal([type], changed.EventTypes);
        Assert.Equal(["X-Tenant"], changed.Headers.Keys);
        Assert.Equal(created.Destination, changed.Destination);
        Assert.True(changed.Enabled);

        var unlimited = await partner.Subscriptions.UpdateAsync(created.Id, new SubscriptionChanges { RemoveRateLimit = true });
        Assert.Equal("""{"rateLimitPerSecond":null}""", recorder.Calls.Last(c => c.Method == HttpMethod.Patch).RequestBody);
        Assert.Null(unlimited.RateLimitPerSecond);
        Assert.Equal("kept", unlimited.Description);
    }

    [Fact]
    public async Task An_endpoint_that_refuses_the_ownership_handshake_is_verified_with_the_client_once_it_consents()
    {
        using var setup = await PartnerAsync();
        var (type, partner) = setup;
        using var admin = stack.Client();
        await using var receiver = await TestReceiver.StartAsync(); // answers OPTIONS 405 until told otherwise

        var refused = await partner.Subscriptions.CreateAsync(new NewSubscription(receiver.Url, [type]) { VerifyOwnership = true });
        Assert.True(refused.VerifyOwnership);
        Assert.Equal(VerificationState.Failed, refused.Verification!.State);
        Assert.Contains("HTTP 405", refused.Verification.Error);
        Assert.NotNull(refused.Verification.LastAttemptAt);
        Assert.Null(refused.Verification.VerifiedAt);
        var held = await admin.Events.SendAsync(type, new Order("held-for-consent", 1m));
        await WaitForAsync(async () =>
        {
            var page = await partner.Deliveries.ListAsync(new DeliveryFilter { SubscriptionId = refused.Id, Status = DeliveryStatus.Paused });
            return page.Data.Count == 1 ? page : null;
        }, "the delivery paused until the endpoint consents");

        // Consent as the CloudEvents webhook spec has it: the origin asked about, and a rate per minute.
        receiver.RespondToOptions = handshake => new Answer(200, Headers: new()
        {
            ["WebHook-Allowed-Origin"] = handshake.Headers["webhook-request-origin"], ["WebHook-Allowed-Rate"] = "120",
        });
        var verified = await partner.Subscriptions.VerifyAsync(refused.Id);

        Assert.Equal(VerificationState.Verified, verified.Verification!.State);
        Assert.NotNull(verified.Verification.VerifiedAt);
        Assert.Null(verified.Verification.Error);
        Assert.Equal(120, verified.Verification.AllowedRatePerMinute);
        Assert.Equal(2, receiver.Handshakes.Count);
        Assert.Equal(VerificationState.Verified, (await partner.Subscriptions.GetAsync(refused.Id)).Verification!.State);
        var delivered = await receiver.WaitForCount(1);
        Assert.Equal(held.Id.ToString(), delivered.Single().WebhookId);

        // An endpoint that consents from the start is verified by the time the subscription is created.
        var atOnce = await partner.Subscriptions.CreateAsync(new NewSubscription(receiver.Url, [type]) { VerifyOwnership = true });
        Assert.Equal(VerificationState.Verified, atOnce.Verification!.State);

        var notNeeded = await partner.Subscriptions.CreateAsync(new NewSubscription(receiver.Url, [type]));
        var conflict = await Assert.ThrowsAsync<WebhooksProblemException>(() => partner.Subscriptions.VerifyAsync(notNeeded.Id));
        Assert.Equal(HttpStatusCode.Conflict, conflict.StatusCode);
        Assert.True(conflict.Is("conflict"), conflict.Message);
    }

    [Fact]
    public async Task Broker_destinations_are_created_and_read_back_without_their_credentials()
    {
        using var recorder = new RecordingHandler();
        using var setup = await PartnerAsync(recorder);
        var (type, partner) = setup;
        // Registration checks the form only: no broker needs to listen at these addresses.
        var rabbitMq = NewDestination.RabbitMq("amqp://hooks:rabbit-password@127.0.0.1:5672/orders", "orders", "order.placed");
        var sqs = NewDestination.Sqs("http://127.0.0.1:9324/000000000000/orders", "eu-west-1", "AKIDCLIENTTEST0001", "sqs-secret-key", "http://127.0.0.1:9324");

        var toExchange = await partner.Subscriptions.CreateAsync(new NewSubscription(rabbitMq, [type]));
        var toQueue = await partner.Subscriptions.CreateAsync(new NewSubscription(sqs, [type]) { Format = DeliveryFormat.CloudEventsStructured });

        Assert.Equal(new Destination(DestinationType.RabbitMq) { Connection = "amqp://***@127.0.0.1:5672/orders", Exchange = "orders", RoutingKey = "order.placed" },
            toExchange.Destination);
        Assert.Equal("amqp://***@127.0.0.1:5672/orders", toExchange.Url);
        Assert.False(toExchange.VerifyOwnership);
        Assert.Null(toExchange.Verification);
        Assert.Equal(new Destination(DestinationType.Sqs) { QueueUrl = "http://127.0.0.1:9324/000000000000/orders", Region = "eu-west-1", ServiceUrl = "http://127.0.0.1:9324" },
            (await partner.Subscriptions.GetAsync(toQueue.Id)).Destination);
        Assert.Equal(DeliveryFormat.CloudEventsStructured, toQueue.Format);
        Assert.Equal(3, recorder.Calls.Count);
        foreach (var call in recorder.Calls)
            foreach (var secret in new[] { "rabbit-password", "sqs-secret-key", "AKIDCLIENTTEST0001" })
                Assert.DoesNotContain(secret, call.ResponseBody);
        Assert.DoesNotContain("rabbit-password", rabbitMq.ToString());
        Assert.DoesNotContain("sqs-secret-key", sqs.ToString());

        var moved = await partner.Subscriptions.UpdateAsync(toExchange.Id, new SubscriptionChanges { Destination = NewDestination.Http("http://127.0.0.1:9/moved") });
        Assert.Equal(new Destination(DestinationType.Http) { Url = "http://127.0.0.1:9/moved" }, moved.Destination);
        Assert.Equal("http://127.0.0.1:9/moved", moved.Url);
    }

    [Fact]
    public async Task A_malformed_destination_is_refused_with_the_problem_naming_each_wrong_member()
    {
        using var setup = await PartnerAsync();
        var (type, partner) = setup;

        var malformed = await Assert.ThrowsAsync<WebhooksProblemException>(() => partner.Subscriptions.CreateAsync(
            new NewSubscription(NewDestination.Sqs("http://127.0.0.1:9324/orders", "Ireland", "short", ""), [type])));
        Assert.Equal(HttpStatusCode.UnprocessableEntity, malformed.StatusCode);
        Assert.True(malformed.Is("invalid-destination"), malformed.Message);
        Assert.Equal(["$.destination.accessKeyId", "$.destination.queueUrl", "$.destination.region", "$.destination.secretAccessKey"], malformed.Errors.Keys.Order());

        // The handshake is HTTP's: a broker destination cannot be asked to take it.
        var handshake = await Assert.ThrowsAsync<WebhooksProblemException>(() => partner.Subscriptions.CreateAsync(
            new NewSubscription(NewDestination.RabbitMq("amqp://127.0.0.1:5672/", "", "orders"), [type]) { VerifyOwnership = true }));
        Assert.True(handshake.Is("validation"), handshake.Message);
        Assert.Contains("$.verifyOwnership", handshake.Errors.Keys);
        Assert.Empty((await partner.Subscriptions.ListAsync()).Data);
    }

    /// <summary>Passes calls on to the app and keeps each one's request and response bodies, as sent and received.</summary>
    private sealed class RecordingHandler() : DelegatingHandler(new HttpClientHandler())
    {
        public sealed record Call(HttpMethod Method, string Path, string? RequestBody, string ResponseBody);

        private readonly List<Call> _calls = [];

        public IReadOnlyList<Call> Calls { get { lock (_calls) return _calls.ToList(); } }

        protected override async Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var requestBody = request.Content is null ? null : await request.Content.ReadAsStringAsync(cancellationToken);
            var response = await base.SendAsync(request, cancellationToken);
            // Buffered, so the client still reads the body after it was recorded here.
            await response.Content.LoadIntoBufferAsync(cancellationToken);
            var responseBody = await response.Content.ReadAsStringAsync(cancellationToken);
            lock (_calls) _calls.Add(new Call(request.Method, request.RequestUri!.AbsolutePath, requestBody, responseBody));
            return response;
        }
    }

    private static async Task<T> WaitForAsync<T>(Func<Task<T?>> probe, string what) where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (await probe() is { } found) return found;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting for {what}.");
            await Task.Delay(100);
        }
    }
}
