using Microsoft.Extensions.DependencyInjection;
using Webhooks.Delivery;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Delivery;

/// <summary>The queue's claim, lease and fenced write-back, against real PostgreSQL with the workers off.</summary>
public sealed class DeliveryQueueTests(WebhooksApp app) : IClassFixture<WebhooksApp>
{
    private readonly DeliveryQueue _queue = app.Services.GetRequiredService<DeliveryQueue>();

    private async Task<Guid> Subscription()
    {
        var admin = app.Client();
        var created = await admin.CreateSubscription(await admin.CreatePartner(), "https://example.com/hook", "*");
        return Guid.Parse((string)created["id"]!);
    }

    private static AttemptResult Ok() => new(DateTimeOffset.UtcNow, 5, 200, null, null, "{}", "{}", null, null);

    private async Task<List<ClaimedDelivery>> ClaimOwn(Guid subscription, int count, TimeSpan lease)
    {
        // Other tests' rows may be due too: claim until ours are in hand and give the rest back.
        var mine = new List<ClaimedDelivery>();
        for (var i = 0; i < 20 && mine.Count < count; i++)
        {
            var claimed = await _queue.ClaimAsync(500, lease, "test", CancellationToken.None);
            mine.AddRange(claimed.Where(c => c.SubscriptionId == subscription));
            await _queue.HandBackAsync(claimed.Where(c => c.SubscriptionId != subscription).ToList(), CancellationToken.None);
            if (claimed.Count == 0) break;
        }
        return mine;
    }

    [Fact]
    public async Task A_claim_takes_due_rows_once_with_what_sending_needs()
    {
        var subscription = await Subscription();
        var events = await DeliveryData.InsertEvents(app.ConnectionString, subscription, 5, "order.placed");

        var claimed = await ClaimOwn(subscription, 5, TimeSpan.FromMinutes(1));
        Assert.Equal(events.Order(), claimed.Select(c => c.EventId).Order());
        Assert.Single(claimed.Select(c => c.LeaseToken).Distinct());
        Assert.All(claimed, c =>
        {
            Assert.Equal("order.placed", c.EventType);
            Assert.Equal("https://example.com/hook", c.Url);
            Assert.Single(c.ProtectedSecrets);
            Assert.Equal(1, c.ScheduledAttempt);
        });
        Assert.Empty(await ClaimOwn(subscription, 1, TimeSpan.FromMinutes(1)));
    }

    [Fact]
    public async Task An_expired_lease_makes_the_row_due_again_and_the_old_holder_can_no_longer_write_it()
    {
        var subscription = await Subscription();
        await DeliveryData.InsertEvents(app.ConnectionString, subscription, 1);
        var stale = (await ClaimOwn(subscription, 1, TimeSpan.FromMilliseconds(200))).Single();
        await Task.Delay(400);
        var current = (await ClaimOwn(subscription, 1, TimeSpan.FromMinutes(1))).Single();
        Assert.NotEqual(stale.LeaseToken, current.LeaseToken);

        await _queue.CompleteAsync([new Attempted(stale, Ok(), DeliveryStatus.Succeeded, TimeSpan.Zero)], TimeSpan.FromDays(5), CancellationToken.None);
        Assert.Equal(0L, await DeliveryData.Scalar<long>(app.ConnectionString, "SELECT count(*) FROM attempts WHERE delivery_id = $1", stale.Id));
        Assert.Equal("pending", await DeliveryData.Scalar<string>(app.ConnectionString, "SELECT status FROM deliveries WHERE id = $1", stale.Id));

        await _queue.CompleteAsync([new Attempted(current, Ok(), DeliveryStatus.Succeeded, TimeSpan.Zero)], TimeSpan.FromDays(5), CancellationToken.None);
        Assert.Equal("succeeded 1", await DeliveryData.Scalar<string>(app.ConnectionString,
            "SELECT d.status || ' ' || a.number FROM deliveries d JOIN attempts a ON a.delivery_id = d.id WHERE d.id = $1", stale.Id));
    }

    [Fact]
    public async Task A_renewed_lease_keeps_the_row_and_a_handed_back_row_is_due_at_once()
    {
        var subscription = await Subscription();
        await DeliveryData.InsertEvents(app.ConnectionString, subscription, 1);
        var held = (await ClaimOwn(subscription, 1, TimeSpan.FromMilliseconds(300))).Single();
        await _queue.RenewAsync([held], TimeSpan.FromMinutes(1), CancellationToken.None);
        await Task.Delay(500);
        Assert.Empty(await ClaimOwn(subscription, 1, TimeSpan.FromMinutes(1)));

        await _queue.HandBackAsync([held], CancellationToken.None);
        var again = (await ClaimOwn(subscription, 1, TimeSpan.FromMinutes(1))).Single();
        Assert.Equal(held.Id, again.Id);
    }

    [Fact]
    public async Task A_renewal_skips_a_row_another_transaction_holds_locked_instead_of_waiting_for_it()
    {
        var subscription = await Subscription();
        await DeliveryData.InsertEvents(app.ConnectionString, subscription, 2);
        var held = await ClaimOwn(subscription, 2, TimeSpan.FromSeconds(30));
        await using var other = new Npgsql.NpgsqlConnection(app.ConnectionString);
        await other.OpenAsync();
        await using var transaction = await other.BeginTransactionAsync();
        await using (var lockOne = new Npgsql.NpgsqlCommand("SELECT 1 FROM deliveries WHERE id = $1 FOR UPDATE", other, transaction))
        {
            lockOne.Parameters.Add(new() { Value = held[0].Id });
            await lockOne.ExecuteNonQueryAsync();
        }

        // Waiting for the lock would last until the other transaction ends: this one never does before the renewal returns.
        using var patience = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await _queue.RenewAsync(held, TimeSpan.FromMinutes(10), patience.Token);
        await transaction.RollbackAsync();
        var renewed = await Task.WhenAll(held.Select(h => DeliveryData.Scalar<bool>(app.ConnectionString,
            "SELECT lease_until > now() + interval '5 minutes' FROM deliveries WHERE id = $1", h.Id)));
        Assert.Equal([false, true], renewed);
    }

    [Fact]
    public async Task Pushing_back_a_subscription_moves_its_unheld_due_backlog_but_not_what_a_worker_holds()
    {
        var subscription = await Subscription();
        await DeliveryData.InsertEvents(app.ConnectionString, subscription, 1);
        var held = (await ClaimOwn(subscription, 1, TimeSpan.FromSeconds(30))).Single();
        await DeliveryData.InsertEvents(app.ConnectionString, subscription, 3);

        Assert.Equal(3, await _queue.PushBackAsync(subscription, TimeSpan.FromMinutes(1), CancellationToken.None));
        Assert.Equal(3L, await DeliveryData.Scalar<long>(app.ConnectionString,
            "SELECT count(*) FROM deliveries WHERE subscription_id = $1 AND next_attempt_at > now() + interval '50 seconds'", subscription));
        Assert.Equal(held.LeaseToken, await DeliveryData.Scalar<Guid>(app.ConnectionString, "SELECT lease_token FROM deliveries WHERE id = $1", held.Id));
    }

    [Fact]
    public async Task Rate_limit_slots_are_shared_and_reserved_only_a_little_ahead()
    {
        var subscription = await Subscription();
        Task<Dictionary<Guid, TimeSpan>> Reserve(int count) =>
            _queue.ReserveSlotsAsync([(subscription, count, 600)], TimeSpan.FromSeconds(5), CancellationToken.None); // 10 a second
        var clock = System.Diagnostics.Stopwatch.StartNew();
        var first = await Reserve(10);
        var second = await Reserve(10);
        var between = clock.Elapsed;
        // Each answer is measured from its own statement's now(): the first batch starts at once, the second where the
        // first ends, a second after the first reservation, less however long the machine took between the two.
        Assert.InRange(first[subscription].TotalSeconds, -0.001, 0.001);
        Assert.InRange(second[subscription].TotalSeconds, 1 - between.TotalSeconds - 0.001, 1.001);
        for (var i = 0; i < 3; i++) Assert.NotEmpty(await Reserve(10)); // slots up to the five-second horizon are granted
        Assert.NotEmpty(await Reserve(600)); // a minute's worth, granted as it starts within the horizon
        Assert.Empty(await Reserve(10)); // the next free slot is now far beyond the horizon
    }

    [Fact]
    public async Task A_subscription_failing_for_longer_than_DisableAfter_comes_back_to_be_disabled()
    {
        var subscription = await Subscription();
        await DeliveryData.InsertEvents(app.ConnectionString, subscription, 1);
        await DeliveryData.Execute(app.ConnectionString, "UPDATE subscriptions SET failing_since = now() - interval '6 days', failure_streak = 40 WHERE id = $1", subscription);
        var held = (await ClaimOwn(subscription, 1, TimeSpan.FromMinutes(1))).Single();
        var failed = new AttemptResult(DateTimeOffset.UtcNow, 5, 500, ErrorKinds.HttpStatus, "HTTP 500", "{}", "{}", null, null);

        var toDisable = await _queue.CompleteAsync([new Attempted(held, failed, DeliveryStatus.Pending, TimeSpan.FromMinutes(5))], TimeSpan.FromDays(5), CancellationToken.None);
        var (id, reason) = Assert.Single(toDisable);
        Assert.Equal(subscription, id);
        Assert.Contains("Every attempt has failed since", reason);
        Assert.Equal(41, await DeliveryData.Scalar<int>(app.ConnectionString, "SELECT failure_streak FROM subscriptions WHERE id = $1", subscription));

        await app.Services.GetRequiredService<SubscriptionDisabler>().DisableAsync(id, reason, CancellationToken.None);
        Assert.Equal("paused", await DeliveryData.Scalar<string>(app.ConnectionString, "SELECT status FROM deliveries WHERE id = $1", held.Id));
        Assert.Equal(reason, await DeliveryData.Scalar<string>(app.ConnectionString, "SELECT disabled_reason FROM subscriptions WHERE id = $1", subscription));
    }
}
