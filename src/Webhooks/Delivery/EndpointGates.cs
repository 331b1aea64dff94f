using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Webhooks.Delivery;

/// <summary>
/// The per-endpoint gates of this instance (one per subscription), and the in-flight cap per destination
/// host that every subscription sending to that host shares.
/// </summary>
public sealed class EndpointGates(IOptionsMonitor<WorkerOptions> options, TimeProvider time)
{
    private readonly ConcurrentDictionary<Guid, EndpointGate> _gates = new();
    private readonly ConcurrentDictionary<string, SemaphoreSlim> _hosts = new(StringComparer.OrdinalIgnoreCase);

    public EndpointGate For(Guid subscription) =>
        _gates.GetOrAdd(subscription, _ => new EndpointGate(options.CurrentValue.MaxInFlightPerEndpoint, options.CurrentValue.Concurrency, time));

    /// <summary>The slots of one destination host, shared by every endpoint on it.</summary>
    public SemaphoreSlim Host(string host) =>
        _hosts.GetOrAdd(host, _ => new SemaphoreSlim(options.CurrentValue.MaxInFlightPerHost, options.CurrentValue.MaxInFlightPerHost));
}
