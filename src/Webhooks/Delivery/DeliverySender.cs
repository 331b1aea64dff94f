using System.Collections.Concurrent;
using System.Diagnostics;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Timeout;
using Webhooks.Delivery.Destinations;
using Webhooks.Delivery.Formats;
using Webhooks.Observability;

namespace Webhooks.Delivery;

/// <summary>
/// Makes one attempt: builds and signs the message, and has the subscription's destination carry it. Each endpoint
/// (subscription) has its own Polly pipeline: the attempt timeout and a circuit breaker that only that endpoint's
/// failures can open. Retries are not made here: they are the queue's schedule.
/// </summary>
public sealed class DeliverySender
{
    private readonly ResiliencePipelineRegistry<Guid> _pipelines = new();
    private readonly ConcurrentDictionary<Guid, byte> _openCircuits = new();
    private readonly Dictionary<string, IDestination> _destinations;
    private readonly IDestination _http;
    private readonly IOptionsMonitor<DeliveryOptions> _options;
    private readonly TimeProvider _time;
    private readonly WebhooksMetrics _metrics;
    private readonly CloudEventOptions _cloudEvents;

    public DeliverySender(IEnumerable<IDestination> destinations, IOptionsMonitor<DeliveryOptions> options, TimeProvider time, WebhooksMetrics metrics,
        IOptions<CloudEventOptions> cloudEvents)
    {
        _cloudEvents = cloudEvents.Value;
        _destinations = destinations.ToDictionary(d => d.Type);
        _http = _destinations["http"];
        _options = options;
        _time = time;
        _metrics = metrics;
        metrics.ObserveOpenCircuits(() => _openCircuits.Count);
    }

    /// <summary>
    /// Makes one attempt, or answers null without sending when the endpoint's circuit is open.
    /// A test send (<paramref name="throughBreaker"/> false) is made whatever the breaker says, and is not counted by it.
    /// </summary>
    public async Task<AttemptResult?> SendAsync(ClaimedDelivery delivery, IReadOnlyList<string> secrets, CancellationToken cancellationToken, bool throughBreaker = true)
    {
        var pipeline = throughBreaker
            ? _pipelines.GetOrAddPipeline<SendOutcome>(delivery.SubscriptionId, ConfigurePipeline)
            : _pipelines.GetOrAddPipeline<SendOutcome>(Guid.Empty, (builder, _) => builder.AddTimeout(_options.CurrentValue.Timeout));
        var destination = delivery.Broker is { } broker ? _destinations[broker.Type] : _http;
        var at = _time.GetUtcNow();
        var message = WebhookMessage.Build(delivery, at.ToUnixTimeSeconds(), secrets, _cloudEvents);
        using var activity = WebhooksMetrics.Tracing.StartActivity("webhook attempt", ActivityKind.Client, delivery.TraceParent);
        activity?.SetTag("webhooks.delivery.id", delivery.Id);
        activity?.SetTag("webhooks.subscription.id", delivery.SubscriptionId);
        activity?.SetTag("webhooks.attempt", delivery.AttemptCount + 1);
        var started = Stopwatch.GetTimestamp();
        SendOutcome outcome;
        try
        {
            outcome = await pipeline.ExecuteAsync(
                static (s, ct) => s.destination.SendAsync(s.delivery, s.message, ct), (destination, delivery, message), cancellationToken);
        }
        catch (BrokenCircuitException)
        {
            return null;
        }
        catch (TimeoutRejectedException)
        {
            outcome = new SendOutcome(null, ErrorKinds.Timeout, $"No answer within {_options.CurrentValue.Timeout}.");
        }
        var result = new AttemptResult(at, (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds, outcome.StatusCode, outcome.ErrorKind,
            outcome.Error, message.RecordedHeaders, outcome.ResponseHeaders, outcome.ResponseBody, outcome.RetryAfter);
        activity?.SetTag("http.response.status_code", result.StatusCode);
        if (!result.Succeeded) activity?.SetStatus(ActivityStatusCode.Error, result.ErrorKind);
        _metrics.AttemptDuration.Record(result.DurationMs, new KeyValuePair<string, object?>("outcome", result.Succeeded ? "success" : result.ErrorKind));
        return result;
    }

    private void ConfigurePipeline(ResiliencePipelineBuilder<SendOutcome> builder, ConfigureBuilderContext<Guid> context)
    {
        builder
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<SendOutcome>
            {
                FailureRatio = 0.8,
                MinimumThroughput = _options.CurrentValue.CircuitBreaker.MinimumThroughput,
                SamplingDuration = TimeSpan.FromSeconds(30),
                BreakDuration = _options.CurrentValue.CircuitBreaker.BreakDuration,
                ShouldHandle = args => ValueTask.FromResult(args.Outcome.Exception is TimeoutRejectedException || args.Outcome.Result is { } r && IsEndpointFailure(r)),
                OnOpened = _ => { _openCircuits.TryAdd(context.PipelineKey, 0); return ValueTask.CompletedTask; },
                OnClosed = _ => { _openCircuits.TryRemove(context.PipelineKey, out var _); return ValueTask.CompletedTask; },
            })
            .AddTimeout(_options.CurrentValue.Timeout);
    }

    /// <summary>Failures that say the endpoint is unwell (not a 4xx about this request, not our own address block, not a broker's refusal of it).</summary>
    private static bool IsEndpointFailure(SendOutcome r) =>
        r.StatusCode is >= 500 or 429
        || r.ErrorKind is ErrorKinds.Connect or ErrorKinds.Dns or ErrorKinds.Tls or ErrorKinds.Timeout or ErrorKinds.Throttled or ErrorKinds.Broker;
}
