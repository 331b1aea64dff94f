using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using Microsoft.Extensions.Options;
using Polly;
using Polly.CircuitBreaker;
using Polly.Registry;
using Polly.Timeout;
using Webhooks.Observability;
using Webhooks.Subscriptions;

namespace Webhooks.Delivery;

/// <summary>
/// Sends one attempt. One pooled <see cref="SocketsHttpHandler"/> for every endpoint; its connect step
/// checks the address it is about to connect to, so DNS rebinding cannot reach a blocked address.
/// Each endpoint (subscription) has its own Polly pipeline: the attempt timeout and a circuit breaker
/// that only that endpoint's failures can open. Retries are not made here: they are the queue's schedule.
/// </summary>
public sealed class DeliverySender : IDisposable
{
    public const int MaxBodyBytes = 4096;
    private const int MaxHeaderValue = 1024;

    private readonly HttpClient _client;
    private readonly ResiliencePipelineRegistry<Guid> _pipelines = new();
    private readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, byte> _openCircuits = new();
    private readonly IOptionsMonitor<DeliveryOptions> _options;
    private readonly TimeProvider _time;
    private readonly WebhooksMetrics _metrics;

    public DeliverySender(EndpointAddressGuard guard, IOptionsMonitor<DeliveryOptions> options, TimeProvider time, WebhooksMetrics metrics)
    {
        _options = options;
        _time = time;
        _metrics = metrics;
        metrics.ObserveOpenCircuits(() => _openCircuits.Count);
        var handler = new SocketsHttpHandler
        {
            AllowAutoRedirect = false,
            UseProxy = false,
            UseCookies = false,
            AutomaticDecompression = DecompressionMethods.None,
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(1),
            ConnectTimeout = TimeSpan.FromSeconds(10),
            EnableMultipleHttp2Connections = true,
            MaxResponseHeadersLength = 64,
            ConnectCallback = (context, cancellationToken) => ConnectAsync(guard, context.DnsEndPoint, cancellationToken),
            // Subscribers get the contract's headers only: our trace ids stay ours.
            ActivityHeadersPropagator = null,
        };
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    /// <summary>
    /// Makes one attempt, or answers null without sending when the endpoint's circuit is open.
    /// A test send (<paramref name="throughBreaker"/> false) is made whatever the breaker says, and is not counted by it.
    /// </summary>
    public async Task<AttemptResult?> SendAsync(ClaimedDelivery delivery, IReadOnlyList<string> secrets, CancellationToken cancellationToken, bool throughBreaker = true)
    {
        var pipeline = throughBreaker
            ? _pipelines.GetOrAddPipeline<AttemptResult>(delivery.SubscriptionId, ConfigurePipeline)
            : _pipelines.GetOrAddPipeline<AttemptResult>(Guid.Empty, (builder, _) => builder.AddTimeout(_options.CurrentValue.Timeout));
        var at = _time.GetUtcNow();
        var body = WebhookMessage.Body(delivery.EventType, delivery.EventCreatedAt, delivery.Payload);
        var timestamp = at.ToUnixTimeSeconds();
        var webhookId = delivery.EventId.ToString();
        var signature = WebhookSigner.Sign(webhookId, timestamp, body, secrets);
        var custom = JsonSerializer.Deserialize<Dictionary<string, string>>(delivery.Headers) ?? [];
        var recorded = new Dictionary<string, string>
        {
            ["content-type"] = "application/json",
            ["user-agent"] = WebhookMessage.UserAgent,
            ["webhook-id"] = webhookId,
            ["webhook-timestamp"] = timestamp.ToString(),
            ["webhook-signature"] = signature,
        };
        // Custom headers often carry credentials: their values are not stored with the attempt.
        foreach (var name in custom.Keys) recorded[name] = "[redacted]";
        var requestHeaders = JsonSerializer.Serialize(recorded);
        using var activity = WebhooksMetrics.Tracing.StartActivity("webhook attempt", ActivityKind.Client, delivery.TraceParent);
        activity?.SetTag("webhooks.delivery.id", delivery.Id);
        activity?.SetTag("webhooks.subscription.id", delivery.SubscriptionId);
        activity?.SetTag("webhooks.attempt", delivery.AttemptCount + 1);
        var started = Stopwatch.GetTimestamp();
        try
        {
            var state = (this, delivery, body, webhookId, timestamp, signature, custom, at, requestHeaders, started);
            var result = await pipeline.ExecuteAsync(static (s, ct) => s.Item1.PostAsync(s, ct), state, cancellationToken);
            activity?.SetTag("http.response.status_code", result.StatusCode);
            if (!result.Succeeded) activity?.SetStatus(ActivityStatusCode.Error, result.ErrorKind);
            return Record(result);
        }
        catch (BrokenCircuitException)
        {
            return null;
        }
        catch (TimeoutRejectedException)
        {
            return Record(new AttemptResult(at, Elapsed(started), null, ErrorKinds.Timeout,
                $"No answer within {_options.CurrentValue.Timeout}.", requestHeaders, null, null, null));
        }
    }

    private AttemptResult Record(AttemptResult result)
    {
        _metrics.AttemptDuration.Record(result.DurationMs, new KeyValuePair<string, object?>("outcome", result.Succeeded ? "success" : result.ErrorKind));
        return result;
    }

    private async ValueTask<AttemptResult> PostAsync(
        (DeliverySender, ClaimedDelivery Delivery, byte[] Body, string WebhookId, long Timestamp, string Signature,
         Dictionary<string, string> Custom, DateTimeOffset At, string RequestHeaders, long Started) s,
        CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, s.Delivery.Url)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
            Content = new ByteArrayContent(s.Body),
        };
        request.Content.Headers.TryAddWithoutValidation("content-type", "application/json");
        request.Headers.TryAddWithoutValidation("user-agent", WebhookMessage.UserAgent);
        request.Headers.TryAddWithoutValidation("webhook-id", s.WebhookId);
        request.Headers.TryAddWithoutValidation("webhook-timestamp", s.Timestamp.ToString());
        request.Headers.TryAddWithoutValidation("webhook-signature", s.Signature);
        foreach (var (name, value) in s.Custom) request.Headers.TryAddWithoutValidation(name, value);
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var body = await ReadStartAsync(response, cancellationToken);
            var status = (int)response.StatusCode;
            var ok = status is >= 200 and < 300;
            return new AttemptResult(s.At, Elapsed(s.Started), status, ok ? null : ErrorKinds.HttpStatus, ok ? null : $"HTTP {status}",
                s.RequestHeaders, ResponseHeaders(response), body,
                RetryPolicy.RetryAfter(status, response.Headers.RetryAfter, _time.GetUtcNow()));
        }
        catch (HttpRequestException e)
        {
            var (kind, message) = Classify(e);
            return new AttemptResult(s.At, Elapsed(s.Started), null, kind, message, s.RequestHeaders, null, null, null);
        }
    }

    private void ConfigurePipeline(ResiliencePipelineBuilder<AttemptResult> builder, ConfigureBuilderContext<Guid> context)
    {
        builder
            .AddCircuitBreaker(new CircuitBreakerStrategyOptions<AttemptResult>
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

    /// <summary>Failures that say the endpoint is unwell (not a 4xx about this request, not our own address block).</summary>
    private static bool IsEndpointFailure(AttemptResult r) =>
        r.StatusCode is >= 500 or 429 || r.ErrorKind is ErrorKinds.Connect or ErrorKinds.Dns or ErrorKinds.Tls or ErrorKinds.Timeout;

    private static async Task<string?> ReadStartAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxBodyBytes];
        var read = 0;
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            while (read < buffer.Length)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read), cancellationToken);
                if (n == 0) break;
                read += n;
            }
        }
        catch (Exception e) when (e is IOException or HttpRequestException) { }
        return read == 0 ? null : Encoding.UTF8.GetString(buffer, 0, read).Replace("\0", "");
    }

    private static string ResponseHeaders(HttpResponseMessage response)
    {
        var headers = new Dictionary<string, string>();
        foreach (var (name, values) in response.Headers.Concat(response.Content.Headers).Take(50))
        {
            var value = string.Join(", ", values);
            headers[name.ToLowerInvariant()] = value.Length > MaxHeaderValue ? value[..MaxHeaderValue] : value;
        }
        return JsonSerializer.Serialize(headers);
    }

    private static (string Kind, string Message) Classify(HttpRequestException e)
    {
        for (Exception? inner = e; inner is not null; inner = inner.InnerException)
            switch (inner)
            {
                case BlockedAddressException blocked: return (ErrorKinds.Blocked, blocked.Message);
                case DnsFailureException dns: return (ErrorKinds.Dns, dns.Message);
                case AuthenticationException tls: return (ErrorKinds.Tls, tls.Message);
            }
        return e.HttpRequestError switch
        {
            HttpRequestError.NameResolutionError => (ErrorKinds.Dns, e.Message),
            HttpRequestError.SecureConnectionError => (ErrorKinds.Tls, e.Message),
            HttpRequestError.ConnectionError => (ErrorKinds.Connect, e.GetBaseException().Message),
            _ => (ErrorKinds.Connect, e.GetBaseException().Message),
        };
    }

    private static async ValueTask<Stream> ConnectAsync(EndpointAddressGuard guard, DnsEndPoint endpoint, CancellationToken cancellationToken)
    {
        var host = endpoint.Host.Trim('[', ']');
        IPAddress[] addresses;
        if (IPAddress.TryParse(host, out var literal)) addresses = [literal];
        else
        {
            try { addresses = await Dns.GetHostAddressesAsync(host, cancellationToken); }
            catch (SocketException e) { throw new DnsFailureException($"{host} could not be resolved: {e.Message}", e); }
        }
        var allowed = guard.IsAllowedPort(endpoint.Port) ? addresses.Where(guard.IsAllowed).ToArray() : [];
        // The addresses themselves stay unsaid: a partner must not learn what names resolve to inside the network.
        if (allowed.Length == 0)
            throw new BlockedAddressException($"{host}:{endpoint.Port} is not an address webhooks may be sent to (loopback, private, reserved or metadata, or a port not allowed).");
        Exception? last = null;
        foreach (var address in allowed)
        {
            var socket = new Socket(address.AddressFamily, SocketType.Stream, ProtocolType.Tcp) { NoDelay = true };
            try
            {
                await socket.ConnectAsync(new IPEndPoint(address, endpoint.Port), cancellationToken);
                return new NetworkStream(socket, ownsSocket: true);
            }
            catch (SocketException e)
            {
                socket.Dispose();
                last = e;
            }
        }
        throw last!;
    }

    private static int Elapsed(long started) => (int)Stopwatch.GetElapsedTime(started).TotalMilliseconds;

    public void Dispose() => _client.Dispose();
}

public sealed class BlockedAddressException(string message) : Exception(message);

public sealed class DnsFailureException(string message, Exception inner) : Exception(message, inner);
