using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Webhooks.Observability;

/// <summary>The app's instruments and trace source; exported over OTLP when configured.</summary>
public sealed class WebhooksMetrics
{
    public const string Name = "Webhooks";
    public static readonly ActivitySource Tracing = new(Name);

    public WebhooksMetrics(IMeterFactory meters)
    {
        var meter = meters.Create(Name);
        EventsAccepted = meter.CreateCounter<long>("webhooks.events.accepted", "{event}", "Events committed.");
        EventsRejected = meter.CreateCounter<long>("webhooks.events.rejected", "{event}", "Events refused, by reason.");
        DeliveriesCompleted = meter.CreateCounter<long>("webhooks.deliveries.completed", "{delivery}", "Attempts finished, by outcome.");
        AttemptDuration = meter.CreateHistogram<double>("webhooks.attempt.duration", "ms", "Duration of one delivery attempt.");
        IngestBatchSize = meter.CreateHistogram<int>("webhooks.ingest.batch_size", "{event}", "Events written per ingest commit.");
        meter.CreateObservableGauge("webhooks.deliveries.due", () => Volatile.Read(ref _dueDeliveries), "{delivery}", "Pending deliveries that are due and not held by a worker (sampled).");
        meter.CreateObservableGauge("webhooks.deliveries.oldest_due_age", () => Volatile.Read(ref _oldestDueSeconds), "s", "How long the oldest due delivery has waited (sampled).");
        meter.CreateObservableGauge("webhooks.endpoints.circuits_open", () => _openCircuits(), "{endpoint}", "Endpoints whose circuit breaker is open in this instance.");
    }

    public Counter<long> EventsAccepted { get; }
    public Counter<long> EventsRejected { get; }
    public Counter<long> DeliveriesCompleted { get; }
    public Histogram<double> AttemptDuration { get; }
    public Histogram<int> IngestBatchSize { get; }

    private long _dueDeliveries;
    private double _oldestDueSeconds;
    private Func<int> _openCircuits = () => 0;

    public void ObserveQueue(long due, double oldestDueSeconds)
    {
        Volatile.Write(ref _dueDeliveries, due);
        Volatile.Write(ref _oldestDueSeconds, oldestDueSeconds);
    }

    public void ObserveOpenCircuits(Func<int> count) => _openCircuits = count;

    public void Rejected(string reason) => EventsRejected.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
