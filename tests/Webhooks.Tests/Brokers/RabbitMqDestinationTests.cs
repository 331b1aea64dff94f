using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using RabbitMQ.Client;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Brokers;

/// <summary>Deliveries to a RabbitMQ exchange on a private node, read back from the bound queue.</summary>
public sealed class RabbitMqDestinationTests(RabbitMqNode rabbit, DeliveryApp app) : IClassFixture<RabbitMqNode>, IClassFixture<DeliveryApp>
{
    private readonly HttpClient _admin = app.Client();

    [Fact]
    public async Task Deliveries_reach_the_queue_persistent_with_the_body_the_webhook_headers_and_a_signature_that_verifies()
    {
        var (exchange, queue) = await rabbit.DeclareAsync("orders");
        var type = await _admin.CreateEventType();
        var partner = await _admin.CreatePartner();
        var subscription = await _admin.CreateRabbitMqSubscription(partner, rabbit.Uri, exchange, "orders", type);
        var id = Guid.Parse((string)subscription["id"]!);
        var secret = (string)subscription["secret"]!;
        Assert.Equal("rabbitmq", (string)subscription["destination"]!["type"]!);
        Assert.Equal($"amqp://***@127.0.0.1:{rabbit.Port}/%2F", (string)subscription["destination"]!["connection"]!);
        Assert.DoesNotContain("guest", subscription.ToJsonString());

        var ingest = app.Client(await _admin.CreateKey("ingest"));
        var posted = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var accepted = await ingest.PostAsJsonAsync("/api/v1/events", new { type, payload = new { orderId = $"o-{i}", amount = i + 0.5 } })
                .Expect(HttpStatusCode.Accepted);
            posted.Add((string)accepted["id"]!);
        }

        var messages = await rabbit.WaitForMessagesAsync(queue, 3);
        Assert.Equal(posted.Order(), messages.Select(m => m.BasicProperties.MessageId!).Order());
        foreach (var message in messages)
        {
            var body = message.Body.ToArray();
            var headers = message.BasicProperties.Headers;
            Assert.Equal(DeliveryModes.Persistent, message.BasicProperties.DeliveryMode);
            Assert.Equal("application/json", message.BasicProperties.ContentType);
            Assert.Equal(type, message.BasicProperties.Type);
            Assert.Equal(message.BasicProperties.MessageId, BrokerApi.Header(headers, "webhook-id"));
            Assert.Equal(message.BasicProperties.Timestamp.UnixTime.ToString(), BrokerApi.Header(headers, "webhook-timestamp"));
            BrokerApi.AssertSigned(secret, BrokerApi.Header(headers, "webhook-id"), BrokerApi.Header(headers, "webhook-timestamp"), BrokerApi.Header(headers, "webhook-signature"), body);
            var json = JsonNode.Parse(body)!;
            Assert.Equal(type, (string)json["type"]!);
            Assert.StartsWith("o-", (string)json["data"]!["orderId"]!);
        }

        var delivered = await _admin.WaitForDeliveries(id, 3, "succeeded");
        var detail = await _admin.GetAsync($"/api/v1/deliveries/{delivered[0]!["id"]}").Expect(HttpStatusCode.OK);
        var attempt = detail["attempts"]![0]!;
        Assert.Null(attempt["statusCode"]);
        Assert.Null(attempt["errorKind"]);
        Assert.Equal("ack", (string)attempt["responseHeaders"]!["confirm"]!);
        Assert.Equal(exchange, (string)attempt["responseHeaders"]!["exchange"]!);
    }

    [Fact]
    public async Task A_test_send_publishes_now_and_broker_refusals_are_classified_on_the_attempt()
    {
        var (exchange, queue) = await rabbit.DeclareAsync("orders");
        await _admin.CreateEventType();
        var partner = await _admin.CreatePartner();
        var wrongPassword = $"amqp://guest:wrong@127.0.0.1:{rabbit.Port}/";
        var cases = new (string Connection, string Exchange, string RoutingKey, string? Kind)[]
        {
            (rabbit.Uri, exchange, "orders", null),
            (rabbit.Uri, "no-such-exchange", "orders", "not_found"),
            (rabbit.Uri, exchange, "nobody-is-bound", "unroutable"),
            (wrongPassword, exchange, "orders", "auth"),
            ($"amqp://guest:guest@127.0.0.1:{rabbit.Port}/no-such-vhost", exchange, "orders", "not_found"),
            ($"amqp://guest:guest@127.0.0.1:{FreeClosedPort()}/", exchange, "orders", "connect"),
        };
        foreach (var (connection, exchangeName, routingKey, kind) in cases)
        {
            var subscription = await _admin.CreateRabbitMqSubscription(partner, connection, exchangeName, routingKey, "*");
            var result = await _admin.PostAsJsonAsync($"/api/v1/subscriptions/{subscription["id"]}/test", new { }).Expect(HttpStatusCode.OK);
            var attempt = result["attempt"]!;
            Assert.True(kind == (string?)attempt["errorKind"], $"{connection} {exchangeName} {routingKey}: {attempt.ToJsonString()}");
            if (kind is not null) Assert.False(string.IsNullOrEmpty((string?)attempt["error"]));
        }
        Assert.Single(await rabbit.WaitForMessagesAsync(queue, 1));
    }

    [Fact]
    public async Task While_the_broker_is_down_attempts_fail_as_unreachable_until_dead_and_a_replay_delivers_once_it_is_back()
    {
        var (exchange, queue) = await rabbit.DeclareAsync("orders");
        await rabbit.SyncMetadataAsync();
        var partner = await _admin.CreatePartner();
        var subscription = await _admin.CreateRabbitMqSubscription(partner, rabbit.Uri, exchange, "orders", "*");
        var id = Guid.Parse((string)subscription["id"]!);
        await DeliveryData.InsertEvents(app.ConnectionString, id, 1);
        await rabbit.WaitForMessagesAsync(queue, 1);

        rabbit.Kill();
        Guid eventId;
        try
        {
            eventId = (await DeliveryData.InsertEvents(app.ConnectionString, id, 1))[0];
            var dead = await _admin.WaitForDeliveries(id, 1, "dead", TimeSpan.FromSeconds(60));
            var detail = await _admin.GetAsync($"/api/v1/deliveries/{dead[0]!["id"]}").Expect(HttpStatusCode.OK);
            var attempts = detail["attempts"]!.AsArray();
            Assert.Equal(DeliveryApp.RetryCount + 1, attempts.Count);
            Assert.All(attempts, a => Assert.Equal("connect", (string)a!["errorKind"]!));
            Assert.Equal(eventId.ToString(), (string)dead[0]!["eventId"]!);
        }
        finally
        {
            await rabbit.StartAsync();
        }
        // Replayed before the restarted node takes publishes again, the quick retries here (0.1 s) could all fail again.
        await rabbit.WaitUntilPublishableAsync(exchange, "orders");

        var deadId = (string)(await _admin.WaitForDeliveries(id, 1, "dead"))[0]!["id"]!;
        await _admin.PostAsync($"/api/v1/deliveries/{deadId}/replay", null).Expect(HttpStatusCode.Accepted);
        await _admin.WaitForDeliveries(id, 2, "succeeded", TimeSpan.FromSeconds(60));
        // The message taken before the kill may be there again (a broker killed can forget an acknowledgement): at least once.
        var messages = await rabbit.WaitForMessagesAsync(queue, 1);
        Assert.Contains(eventId.ToString(), messages.Select(m => m.BasicProperties.MessageId));
    }

    [Fact]
    public async Task A_broker_killed_and_restarted_mid_publish_loses_no_delivery()
    {
        var settings = new Dictionary<string, string?>
        {
            ["Webhooks:Workers:Enabled"] = "true",
            ["Webhooks:Workers:PollInterval"] = "00:00:00.100",
            ["Webhooks:Workers:Lease"] = "00:00:05",
            ["Webhooks:Delivery:Timeout"] = "00:00:02",
            ["Webhooks:Delivery:AllowedNetworks:0"] = "127.0.0.1/32",
            ["Webhooks:Delivery:CircuitBreaker:MinimumThroughput"] = "100000",
        };
        // Retries that outlast a restart: a minute of one-second waits.
        for (var i = 0; i < 60; i++) settings[$"Webhooks:Delivery:RetrySchedule:{i}"] = "00:00:01";
        await using var restarting = new ConfiguredApp(settings);
        await restarting.InitializeAsync();
        var admin = restarting.Client();
        var (exchange, queue) = await rabbit.DeclareAsync("orders");
        // Else the node, killed moments after the binding was made, may come back without it (its publishes all returned).
        await rabbit.SyncMetadataAsync();
        var partner = await admin.CreatePartner();
        var id = Guid.Parse((string)(await admin.CreateRabbitMqSubscription(partner, rabbit.Uri, exchange, "orders", "*"))["id"]!);
        const int count = 4000;
        var eventIds = await DeliveryData.InsertEvents(restarting.ConnectionString, id, count);

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await rabbit.CountAsync(queue) < 100 && DateTime.UtcNow < deadline) await Task.Delay(20);
        var killedAt = DateTime.UtcNow;
        rabbit.Kill();
        var pendingWhenKilled = await DeliveryData.Scalar<long>(restarting.ConnectionString,
            "SELECT count(*) FROM deliveries WHERE subscription_id = $1 AND status = 'pending'", id);
        await rabbit.StartAsync();
        var restartedAt = DateTime.UtcNow;

        try
        {
            await DeliveryData.WaitUntil(restarting.ConnectionString,
                "SELECT count(*) = $2 FROM deliveries WHERE subscription_id = $1 AND status = 'succeeded'", [id, (long)count],
                "every delivery to succeed after the restart", TimeSpan.FromSeconds(120));
        }
        catch (TimeoutException e)
        {
            // Which deliveries are left, how far their retries got, when they are due and why they last failed tell a broker
            // that came back too late (dead) from deliveries the service stopped trying (pending, not due or held).
            var left = await DeliveryData.Scalar<string>(restarting.ConnectionString,
                "SELECT coalesce(string_agg(format('%s x%s: attempts %s-%s, due in %s to %s s, leased %s, last error %s', status, n, lo, hi, due, last_due, leased, err), ';\n'), 'none') " +
                "FROM (SELECT status, count(*) n, min(attempt_count) lo, max(attempt_count) hi, round(extract(epoch FROM min(next_attempt_at) - now())) due, " +
                "round(extract(epoch FROM max(next_attempt_at) - now())) last_due, count(lease_token) leased, left(last_error, 200) err " +
                "FROM deliveries WHERE subscription_id = $1 AND status <> 'succeeded' GROUP BY status, left(last_error, 200)) s", id);
            var history = await DeliveryData.Scalar<string>(restarting.ConnectionString,
                "SELECT coalesce(string_agg(format('%s %s %s', a.number, to_char(a.at AT TIME ZONE 'UTC', 'HH24:MI:SS.MS'), left(a.error, 120)), '\n' ORDER BY a.number), 'none') " +
                "FROM attempts a WHERE a.delivery_id = (SELECT id FROM deliveries WHERE subscription_id = $1 AND status <> 'succeeded' ORDER BY id LIMIT 1)", id);
            var warnings = restarting.Logs.Entries.Where(l => l.StartsWith("Warning") || l.StartsWith("Error")).TakeLast(20);
            throw new TimeoutException($"{e.Message} Killed at {killedAt:HH:mm:ss.fff}, taking connections again at {restartedAt:HH:mm:ss.fff}. Not succeeded: {left}.\n" +
                $"The first one's attempts:\n{history}\nThe app's last warnings:\n{string.Join('\n', warnings)}\n{await rabbit.DescribeAsync()}", e);
        }
        var received = (await rabbit.DrainAsync(queue)).Select(m => m.BasicProperties.MessageId!).ToHashSet();
        Assert.True(pendingWhenKilled > 0, "the broker was killed after every delivery was done: the test proved nothing");
        Assert.Empty(eventIds.Select(e => e.ToString()).Except(received));
        Assert.Equal(0L, await DeliveryData.Scalar<long>(restarting.ConnectionString,
            "SELECT count(*) FROM deliveries WHERE subscription_id = $1 AND status <> 'succeeded'", id));
    }

    [Fact]
    public async Task In_the_UI_an_admin_subscribes_an_exchange_test_sends_to_it_and_sees_the_broker_s_confirm()
    {
        var (exchange, queue) = await rabbit.DeclareAsync("ui");
        var type = await _admin.CreateEventType();
        var partner = await _admin.CreatePartner();
        var browser = await Ui.Browser.SignedIn(app);
        var form = await browser.Open($"/subscriptions/new?partnerId={partner}");
        var created = await browser.Submit(form, "create-subscription", new()
        {
            ["Form.DestinationType"] = "rabbitmq", ["Form.Connection"] = rabbit.Uri, ["Form.Exchange"] = exchange, ["Form.RoutingKey"] = "ui",
            ["Form.EventTypes"] = type,
        });
        Assert.StartsWith("whsec_", created.QuerySelector("#signing-secret")!.TextContent);
        var id = (string)(await _admin.GetAsync($"/api/v1/subscriptions?partnerId={partner}").Expect(HttpStatusCode.OK))["data"]![0]!["id"]!;

        var detail = await browser.Open($"/subscriptions/{id}");
        Assert.Contains($"exchange '{exchange}'", detail.Body!.TextContent);
        Assert.DoesNotContain("guest:guest", detail.Body.InnerHtml);
        var sent = await browser.Submit(detail, "test-send");
        Assert.Contains("confirmed by the broker", sent.QuerySelector("#test-result")!.TextContent);
        Assert.Contains("succeeded", sent.QuerySelector("#test-result")!.TextContent);
        Assert.Single(await rabbit.WaitForMessagesAsync(queue, 1));

        // Saved with the credentials left blank, the destination stays as it was.
        var edited = await browser.Submit(await browser.Open($"/subscriptions/{id}"), "edit-subscription", new() { ["Form.Description"] = "orders to the ui queue" });
        Assert.Contains("Saved.", edited.Body!.TextContent);
        var again = await browser.Submit(edited, "test-send");
        Assert.Contains("confirmed by the broker", again.QuerySelector("#test-result")!.TextContent);
        var deliveryPage = await browser.Open(again.QuerySelector("#test-attempt a[href^='/deliveries/']")!.GetAttribute("href")!);
        Assert.Contains("confirmed by the broker", deliveryPage.QuerySelector("details.attempt summary")!.TextContent);
    }

    private static int FreeClosedPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
