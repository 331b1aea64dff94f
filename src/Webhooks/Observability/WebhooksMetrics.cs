using System.Diagnostics;
using System.Diagnostics.Metrics;

namespace Webhooks.Observability;

/// <summary>The app's instruments and trace source; exported over OTLP and/or Prometheus when configured.</summary>
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
        meter.CreateObservableGauge("webhooks.dead_letters", () => Sampled(s => s.DeadLetters), "{delivery}", "Dead deliveries kept in the database (sampled).");
        meter.CreateObservableGauge("webhooks.endpoints.failing", () => Sampled(s => s.FailingEndpoints), "{endpoint}", "Enabled subscriptions whose latest attempts all failed (sampled).");
        meter.CreateObservableGauge("webhooks.endpoint.failure_streak", () => PerEndpoint(e => e.Streak), "{attempt}", "Failed attempts in a row, for the worst failing endpoints only (sampled).");
        meter.CreateObservableGauge("webhooks.endpoint.failing_duration", () => PerEndpoint(e => e.FailingSeconds), "s", "How long the worst failing endpoints have failed without a success (sampled).");
        meter.CreateObservableGauge("webhooks.jobs", JobMeasurements, "{job}", "Background jobs by state (sampled).");
    }

    public Counter<long> EventsAccepted { get; }
    public Counter<long> EventsRejected { get; }
    public Counter<long> DeliveriesCompleted { get; }
    public Histogram<double> AttemptDuration { get; }
    public Histogram<int> IngestBatchSize { get; }

    private long _dueDeliveries;
    private double _oldestDueSeconds;
    private Func<int> _openCircuits = () => 0;
    private DatabaseSample? _sample;

    public void ObserveQueue(long due, double oldestDueSeconds)
    {
        Volatile.Write(ref _dueDeliveries, due);
        Volatile.Write(ref _oldestDueSeconds, oldestDueSeconds);
    }

    public void ObserveOpenCircuits(Func<int> count) => _openCircuits = count;

    public void ObserveDatabase(DatabaseSample sample) => Volatile.Write(ref _sample, sample);

    public void Rejected(string reason) => EventsRejected.Add(1, new KeyValuePair<string, object?>("reason", reason));

    // Before the first sample there is nothing to report, rather than a zero that is not true.
    private IEnumerable<Measurement<long>> Sampled(Func<DatabaseSample, long> value) =>
        Volatile.Read(ref _sample) is { } sample ? [new(value(sample))] : [];

    private IEnumerable<Measurement<double>> PerEndpoint(Func<FailingEndpoint, double> value) =>
        (Volatile.Read(ref _sample)?.WorstEndpoints ?? []).Select(e => new Measurement<double>(value(e),
            new KeyValuePair<string, object?>("webhooks.subscription.id", e.Subscription.ToString()),
            new KeyValuePair<string, object?>("webhooks.partner.id", e.Partner.ToString())));

    private IEnumerable<Measurement<long>> JobMeasurements() =>
        (Volatile.Read(ref _sample)?.Jobs ?? new Dictionary<string, long>()).Select(j =>
            new Measurement<long>(j.Value, new KeyValuePair<string, object?>("state", j.Key)));
}

/// <summary>What one read of the database found; the same in every instance (aggregate with max, not sum).</summary>
public sealed record DatabaseSample(long DeadLetters, long FailingEndpoints, IReadOnlyList<FailingEndpoint> WorstEndpoints, IReadOnlyDictionary<string, long>? Jobs);

public sealed record FailingEndpoint(Guid Subscription, Guid Partner, long Streak, double FailingSeconds);
