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
    }

    public Counter<long> EventsAccepted { get; }
    public Counter<long> EventsRejected { get; }
    public Counter<long> DeliveriesCompleted { get; }
    public Histogram<double> AttemptDuration { get; }
    public Histogram<int> IngestBatchSize { get; }

    public void Rejected(string reason) => EventsRejected.Add(1, new KeyValuePair<string, object?>("reason", reason));
}
