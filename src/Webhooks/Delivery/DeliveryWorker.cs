using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Npgsql;
using Webhooks.Observability;

namespace Webhooks.Delivery;

/// <summary>
/// This instance's delivery worker. It claims due deliveries in batches while it has room, holds them
/// under a lease that a heartbeat renews, sends each when its endpoint has a free slot (and a rate-limit
/// slot, when it has a limit), and hands results to the <see cref="CompletionWriter"/>. On stop it
/// claims nothing more, lets attempts in flight finish (up to the attempt timeout), saves their
/// results and gives every other held delivery back at once.
/// </summary>
public sealed class DeliveryWorker(
    DeliveryQueue queue, DeliverySender sender, RetryPolicy retry, EndpointGates gates, CompletionWriter writer,
    DeliveryWakeup wakeup, SecretCache secrets, NpgsqlDataSource dataSource, IOptionsMonitor<WorkerOptions> workerOptions,
    IOptionsMonitor<DeliveryOptions> deliveryOptions, WebhooksMetrics metrics, ILogger<DeliveryWorker> logger) : IHostedService
{
    /// <summary>How far ahead a rate-limited delivery may wait in memory for its slot; later slots go back to the queue.</summary>
    private static readonly TimeSpan SlotHorizon = TimeSpan.FromSeconds(5);

    private readonly string _name = $"{Environment.MachineName}/{Environment.ProcessId}/{Guid.NewGuid().ToString("N")[..6]}";
    private readonly ConcurrentDictionary<Guid, ClaimedDelivery> _held = new();
    private readonly ConcurrentDictionary<Task, byte> _running = new();
    private readonly CancellationTokenSource _stopClaiming = new();
    private readonly CancellationTokenSource _abortSends = new();
    private readonly CancellationTokenSource _abandonWrites = new();
    private readonly CancellationTokenSource _stopHeartbeat = new();
    private Task _claimLoop = Task.CompletedTask, _heartbeat = Task.CompletedTask, _writer = Task.CompletedTask;

    public int Held => _held.Count;

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _writer = Task.Run(() => writer.RunAsync(Written, _abandonWrites.Token));
        _heartbeat = Task.Run(() => HeartbeatAsync(_stopHeartbeat.Token));
        _claimLoop = Task.Run(() => ClaimLoopAsync(_stopClaiming.Token));
        return Task.CompletedTask;
    }

    public async Task StopAsync(CancellationToken cancellationToken)
    {
        _stopClaiming.Cancel();
        logger.LogInformation("Stopping: claiming and starting nothing more; {Count} attempts in flight may finish", _running.Count);
        await _claimLoop.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        try
        {
            await Task.WhenAll(_running.Keys).WaitAsync(deliveryOptions.CurrentValue.Timeout + TimeSpan.FromSeconds(1), cancellationToken);
        }
        catch (Exception) { _abortSends.Cancel(); }
        await Task.WhenAll(_running.Keys).ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        _stopHeartbeat.Cancel();
        writer.Complete();
        using (var writeBudget = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            writeBudget.CancelAfter(TimeSpan.FromSeconds(5));
            using var _ = writeBudget.Token.Register(_abandonWrites.Cancel);
            await _writer.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        }
        await _heartbeat.ConfigureAwait(ConfigureAwaitOptions.SuppressThrowing);
        var rest = _held.Values.ToList();
        try
        {
            await queue.HandBackAsync(rest, CancellationToken.None);
            if (rest.Count > 0) logger.LogInformation("Handed back {Count} deliveries on stop", rest.Count);
        }
        catch (Exception e)
        {
            logger.LogWarning("Could not hand back {Count} deliveries on stop ({Message}); their leases will expire", rest.Count, e.Message);
        }
    }

    private async Task ClaimLoopAsync(CancellationToken stopping)
    {
        var failures = 0;
        while (!stopping.IsCancellationRequested)
        {
            var options = workerOptions.CurrentValue;
            var free = options.Concurrency - _held.Count;
            var batchSize = Math.Min(options.BatchSize, free);
            try
            {
                if (batchSize < Math.Max(1, Math.Min(options.BatchSize, options.Concurrency) / 4))
                {
                    await wakeup.WaitAsync(options.PollInterval, stopping);
                    continue;
                }
                var claimed = await queue.ClaimAsync(batchSize, options.Lease, _name, stopping);
                failures = 0;
                foreach (var delivery in claimed) _held[delivery.Id] = delivery;
                await DispatchAsync(claimed, stopping);
                if (claimed.Count < batchSize) await wakeup.WaitAsync(options.PollInterval, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested) { }
            catch (Exception e)
            {
                if (failures++ % 10 == 0) logger.LogWarning("Claiming deliveries failed ({Message}); retrying", e.GetBaseException().Message);
                try { await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 200 * failures)), stopping); }
                catch (OperationCanceledException) { }
            }
        }
    }

    private async Task DispatchAsync(List<ClaimedDelivery> claimed, CancellationToken stopping)
    {
        var toSend = new List<ClaimedDelivery>(claimed.Count);
        foreach (var delivery in claimed)
        {
            if (delivery.Deleted) writer.Add(new Released(delivery, DeliveryStatus.Discarded, TimeSpan.Zero));
            else if (!delivery.Enabled) writer.Add(new Released(delivery, DeliveryStatus.Paused, TimeSpan.Zero));
            else if (gates.For(delivery) is var gate && !gate.TryHold()) writer.Add(new Released(delivery, DeliveryStatus.Pending, gate.BusyRetry()));
            else toSend.Add(delivery);
        }
        var slots = await RateLimitSlotsAsync(toSend, stopping);
        foreach (var delivery in toSend)
        {
            var notBefore = slots.GetValueOrDefault(delivery.Id);
            if (notBefore > 2 * SlotHorizon)
            {
                gates.For(delivery).Unhold();
                writer.Add(new Released(delivery, DeliveryStatus.Pending, notBefore));
                continue;
            }
            var task = ProcessAsync(delivery, notBefore, stopping);
            _running.TryAdd(task, 0);
            _ = task.ContinueWith(t => _running.TryRemove(t, out _), TaskScheduler.Default);
        }
    }

    /// <summary>
    /// For deliveries to rate-limited endpoints: how long each must wait for its send slot. Slots are
    /// reserved only a few seconds ahead; deliveries beyond that go back to the queue without one.
    /// </summary>
    private async Task<Dictionary<Guid, TimeSpan>> RateLimitSlotsAsync(List<ClaimedDelivery> deliveries, CancellationToken stopping)
    {
        var waits = new Dictionary<Guid, TimeSpan>();
        var wanted = new List<(Guid, int, int)>();
        var limited = new List<(Guid Subscription, int Rate, List<ClaimedDelivery> Deliveries)>();
        foreach (var group in deliveries.Where(d => d.RatePerMinute is not null).GroupBy(d => d.SubscriptionId))
        {
            var rate = group.First().RatePerMinute!.Value;
            var now = group.Take(Math.Max(1, (int)(rate * SlotHorizon.TotalMinutes))).ToList();
            foreach (var later in group.Skip(now.Count)) waits[later.Id] = Later();
            wanted.Add((group.Key, now.Count, rate));
            limited.Add((group.Key, rate, now));
        }
        if (limited.Count == 0) return waits;
        try
        {
            var starts = await queue.ReserveSlotsAsync(wanted, SlotHorizon, stopping);
            foreach (var (subscription, rate, group) in limited)
            {
                var reserved = starts.TryGetValue(subscription, out var start);
                var i = 0;
                foreach (var delivery in group)
                    waits[delivery.Id] = reserved ? start + TimeSpan.FromTicks(TimeSpan.TicksPerMinute * i++ / rate) : Later();
            }
        }
        catch (Exception e) when (!stopping.IsCancellationRequested)
        {
            logger.LogWarning("Reserving rate-limit slots failed ({Message}); those deliveries wait for a later claim", e.Message);
            foreach (var delivery in limited.SelectMany(g => g.Deliveries)) waits[delivery.Id] = Later();
        }
        return waits;

        static TimeSpan Later() => 2 * SlotHorizon + RetryPolicy.WithJitter(TimeSpan.FromSeconds(1));
    }

    private async Task ProcessAsync(ClaimedDelivery delivery, TimeSpan notBefore, CancellationToken stopping)
    {
        var gate = gates.For(delivery);
        var holding = true;
        try
        {
            await Task.Yield();
            if (notBefore > TimeSpan.Zero) await Task.Delay(notBefore, stopping);
            if (!await gate.EnterAsync(stopping))
            {
                holding = false;
                writer.Add(new Released(delivery, DeliveryStatus.Pending, gate.BusyRetry()));
                return;
            }
            try
            {
                var pause = gate.PauseRemaining;
                if (pause > TimeSpan.FromSeconds(2))
                {
                    writer.Add(new Released(delivery, DeliveryStatus.Pending, RetryPolicy.WithJitter(pause)));
                    await PushBackAsync(gate, delivery.SubscriptionId, pause);
                    return;
                }
                if (pause > TimeSpan.Zero) await Task.Delay(pause, stopping);
                var host = gates.Host(delivery);
                await host.WaitAsync(stopping);
                AttemptResult? attempt;
                try
                {
                    attempt = await sender.SendAsync(delivery, secrets.Unprotect(delivery.ProtectedSecrets), _abortSends.Token);
                }
                finally
                {
                    host.Release();
                }
                if (attempt is null)
                {
                    var breakDuration = deliveryOptions.CurrentValue.CircuitBreaker.BreakDuration;
                    writer.Add(new Released(delivery, DeliveryStatus.Pending, RetryPolicy.WithJitter(breakDuration)));
                    await PushBackAsync(gate, delivery.SubscriptionId, breakDuration);
                    return;
                }
                gate.Observe(attempt);
                writer.Add(retry.Decide(delivery, attempt));
            }
            finally
            {
                gate.Exit();
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested || _abortSends.IsCancellationRequested)
        {
            // Stopping: the delivery stays held and is handed back with the rest.
        }
        catch (Exception e)
        {
            logger.LogError(e, "Delivery {Delivery} failed before an attempt could be made", delivery.Id);
            writer.Add(new Released(delivery, DeliveryStatus.Pending, TimeSpan.FromSeconds(30)));
        }
        finally
        {
            if (holding) gate.Unhold();
        }
    }

    /// <summary>While an endpoint cannot be sent to, its whole due backlog waits, not only the rows this worker happens to hold.</summary>
    private async Task PushBackAsync(EndpointGate gate, Guid subscription, TimeSpan delay)
    {
        if (!gate.ShouldPushBack(delay)) return;
        try
        {
            var moved = await queue.PushBackAsync(subscription, delay, CancellationToken.None);
            if (moved > 0) logger.LogInformation("The endpoint of subscription {Subscription} is unavailable; {Count} due deliveries wait {Delay}", subscription, moved, delay);
        }
        catch (Exception e) when (e is NpgsqlException or TimeoutException)
        {
            logger.LogWarning("Pushing back the deliveries of subscription {Subscription} failed ({Message})", subscription, e.Message);
        }
    }

    private void Written(Completion completion)
    {
        _held.TryRemove(completion.Delivery.Id, out _);
        wakeup.Signal();
    }

    /// <summary>Renews the lease of everything held, and samples the queue for the metrics.</summary>
    private async Task HeartbeatAsync(CancellationToken stopping)
    {
        while (!stopping.IsCancellationRequested)
        {
            var lease = workerOptions.CurrentValue.Lease;
            try
            {
                await Task.Delay(lease / 4, stopping);
                await queue.RenewAsync(_held.Values.ToList(), lease, stopping);
                await using var sample = dataSource.CreateCommand(
                    "SELECT count(*), coalesce(extract(epoch FROM now() - min(next_attempt_at)), 0)::float8 FROM deliveries WHERE status = 'pending' AND next_attempt_at <= now() AND (lease_until IS NULL OR lease_until < now())");
                await using var reader = await sample.ExecuteReaderAsync(stopping);
                if (await reader.ReadAsync(stopping)) metrics.ObserveQueue(reader.GetInt64(0), reader.GetDouble(1));
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested) { }
            catch (Exception e)
            {
                logger.LogWarning("Renewing leases failed ({Message})", e.GetBaseException().Message);
            }
        }
    }
}
