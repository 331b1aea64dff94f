using System.Collections.Concurrent;
using Microsoft.Extensions.Options;
using Webhooks.Delivery.Destinations;

namespace Webhooks.Delivery;

/// <summary>
/// The per-endpoint gates of this instance (one per subscription), and the in-flight cap per destination
/// host that every subscription sending to that host shares. A RabbitMQ destination gets a gate and a host cap of
/// its own kind: its publishes share one connection and are confirmed in batches, so its answers slow down as more
/// are in flight by design and latency says nothing about overload; the broker says that itself (blocking publishers).
/// </summary>
public sealed class EndpointGates(IOptionsMonitor<WorkerOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<(Guid, bool), EndpointGate> _gates = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _hosts = new(StringComparer.OrdinalIgnoreCase);
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _rabbitMqHosts = new(StringComparer.OrdinalIgnoreCase);

    public EndpointGate For(ClaimedDelivery delivery) =>
        _gates.GetOrAdd((delivery.SubscriptionId, delivery.Broker is RabbitMqSettings), key => key.Item2
            ? new EndpointGate(options.CurrentValue.MaxInFlightPerRabbitMq, options.CurrentValue.Concurrency, time, latencyMeansLoad: false)
            : new EndpointGate(options.CurrentValue.MaxInFlightPerEndpoint, options.CurrentValue.Concurrency, time));

    /// <summary>The slots of one destination host, shared by every endpoint on it.</summary>
    public SemaphoreSlim Host(ClaimedDelivery delivery) => delivery.Broker is RabbitMqSettings
        ? _rabbitMqHosts.GetOrAdd(delivery.Host, _ => Slots(options.CurrentValue.MaxInFlightPerRabbitMq))
        : _hosts.GetOrAdd(delivery.Host, _ => Slots(options.CurrentValue.MaxInFlightPerHost));

    private static SemaphoreSlim Slots(int count) => new(count, count);
}
