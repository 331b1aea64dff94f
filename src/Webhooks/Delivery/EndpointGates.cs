using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Webhooks.Delivery;

/// <summary>
/// The per-endpoint gates of this instance (one per subscription), and the in-flight cap per destination
/// host that every subscription sending to that host shares. A broker destination gets a gate and a host cap of
/// its own kind: a broker answers more slowly as more is in flight by design (RabbitMQ confirms in batches), so
/// latency says nothing about overload there; the broker says that itself (blocking publishers, throttling).
/// </summary>
public sealed class EndpointGates(IOptionsMonitor<WorkerOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<(Guid, bool), EndpointGate> _gates = new();
    private readonly ConcurrentDictionary<(string, bool), SemaphoreSlim> _hosts = new();

    public EndpointGate For(ClaimedDelivery delivery) =>
        _gates.GetOrAdd((delivery.SubscriptionId, delivery.Broker is not null), key => key.Item2
            ? new EndpointGate(options.CurrentValue.MaxInFlightPerBroker, options.CurrentValue.Concurrency, time, latencyMeansLoad: false)
            : new EndpointGate(options.CurrentValue.MaxInFlightPerEndpoint, options.CurrentValue.Concurrency, time));

    /// <summary>The slots of one destination host, shared by every endpoint on it.</summary>
    public SemaphoreSlim Host(ClaimedDelivery delivery) =>
        _hosts.GetOrAdd((delivery.Host.ToLowerInvariant(), delivery.Broker is not null), key =>
        {
            var slots = key.Item2 ? options.CurrentValue.MaxInFlightPerBroker : options.CurrentValue.MaxInFlightPerHost;
            return new SemaphoreSlim(slots, slots);
        });
}
