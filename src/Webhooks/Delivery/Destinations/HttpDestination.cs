using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using System.Text;
using System.Text.Json;
using Webhooks.Subscriptions;

namespace Webhooks.Delivery.Destinations;

/// <summary>
/// POSTs to the subscription's URL. One pooled <see cref="SocketsHttpHandler"/> for every endpoint; its connect step
/// checks the address it is about to connect to, so DNS rebinding cannot reach a blocked address. Redirects are not followed.
/// </summary>
public sealed class HttpDestination : IDestination, IDisposable
{
    public const int MaxBodyBytes = 4096;
    private const int MaxHeaderValue = 1024;

    private readonly HttpClient _client;
    private readonly TimeProvider _time;

    public HttpDestination(EndpointAddressGuard guard, TimeProvider time)
    {
        _time = time;
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
            // Subscribers get the contract's headers only: our trace ids stay ours. This also turns off the runtime's client
            // span; keeping the span with a propagator that writes nothing is not enough, as OpenTelemetry's HTTP
            // instrumentation then writes its own traceparent (TelemetryExportTests).
            ActivityHeadersPropagator = null,
        };
        _client = new HttpClient(handler) { Timeout = Timeout.InfiniteTimeSpan };
    }

    public string Type => "http";

    public async ValueTask<SendOutcome> SendAsync(ClaimedDelivery delivery, OutgoingMessage message, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, delivery.Url)
        {
            Version = HttpVersion.Version20,
            VersionPolicy = HttpVersionPolicy.RequestVersionOrLower,
            Content = new ByteArrayContent(message.Body),
        };
        request.Content.Headers.TryAddWithoutValidation("content-type", message.ContentType);
        request.Headers.TryAddWithoutValidation("user-agent", WebhookMessage.UserAgent);
        foreach (var (name, value) in message.Headers) request.Headers.TryAddWithoutValidation(name, value);
        try
        {
            using var response = await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken);
            var body = await ReadStartAsync(response, cancellationToken);
            var status = (int)response.StatusCode;
            var ok = status is >= 200 and < 300;
            return new SendOutcome(status, ok ? null : ErrorKinds.HttpStatus, ok ? null : $"HTTP {status}", ResponseHeaders(response), body,
                RetryPolicy.RetryAfter(status, response.Headers.RetryAfter, _time.GetUtcNow()));
        }
        catch (HttpRequestException e)
        {
            var (kind, error) = Classify(e);
            return new SendOutcome(null, kind, error);
        }
    }

    /// <summary>
    /// Sends another request (the ownership handshake's OPTIONS) over the same guarded connections: answers the response, or
    /// the failure classified as a delivery's would be. Cancellation is the caller's timeout.
    /// </summary>
    public async Task<(HttpResponseMessage? Response, string? ErrorKind, string? Error)> ExchangeAsync(HttpRequestMessage request, CancellationToken cancellationToken)
    {
        request.Headers.TryAddWithoutValidation("user-agent", WebhookMessage.UserAgent);
        try
        {
            return (await _client.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken), null, null);
        }
        catch (HttpRequestException e)
        {
            var (kind, error) = Classify(e);
            return (null, kind, error);
        }
    }

    private static async Task<string?> ReadStartAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.Content.Headers.ContentLength == 0) return null;
        var buffer = System.Buffers.ArrayPool<byte>.Shared.Rent(MaxBodyBytes);
        var read = 0;
        try
        {
            await using var stream = await response.Content.ReadAsStreamAsync(cancellationToken);
            while (read < MaxBodyBytes)
            {
                var n = await stream.ReadAsync(buffer.AsMemory(read, MaxBodyBytes - read), cancellationToken);
                if (n == 0) break;
                read += n;
            }
        }
        catch (Exception e) when (e is IOException or HttpRequestException) { }
        var text = read == 0 ? null : Encoding.UTF8.GetString(buffer, 0, read).Replace("\0", "");
        System.Buffers.ArrayPool<byte>.Shared.Return(buffer);
        return text;
    }

    private static string ResponseHeaders(HttpResponseMessage response)
    {
        var buffer = new System.Buffers.ArrayBufferWriter<byte>(256);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (name, values) in response.Headers.NonValidated.Concat(response.Content.Headers.NonValidated).Take(50))
            {
                var value = values.ToString();
                writer.WriteString(name.ToLowerInvariant(), value.Length > MaxHeaderValue ? value[..MaxHeaderValue] : value);
            }
            writer.WriteEndObject();
        }
        return Encoding.UTF8.GetString(buffer.WrittenSpan);
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

    /// <summary>Connects to the first allowed address of the host (the SQS destination's HTTP client connects through this too).</summary>
    internal static async ValueTask<Stream> ConnectAsync(EndpointAddressGuard guard, DnsEndPoint endpoint, CancellationToken cancellationToken)
    {
        Exception? last = null;
        foreach (var address in await AllowedAddressesAsync(guard, endpoint.Host, endpoint.Port, cancellationToken))
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

    /// <summary>
    /// The addresses of <paramref name="host"/> that may be connected to on <paramref name="port"/>; throws when it does not
    /// resolve, or resolves only to blocked addresses, or the port is not allowed.
    /// </summary>
    internal static async ValueTask<IPAddress[]> AllowedAddressesAsync(EndpointAddressGuard guard, string host, int port, CancellationToken cancellationToken)
    {
        host = host.Trim('[', ']');
        IPAddress[] addresses;
        if (IPAddress.TryParse(host, out var literal)) addresses = [literal];
        else
        {
            try { addresses = await Dns.GetHostAddressesAsync(host, cancellationToken); }
            catch (SocketException e) { throw new DnsFailureException($"{host} could not be resolved: {e.Message}", e); }
        }
        var allowed = guard.IsAllowedPort(port) ? addresses.Where(guard.IsAllowed).ToArray() : [];
        // The addresses themselves stay unsaid: a partner must not learn what names resolve to inside the network.
        if (allowed.Length == 0)
            throw new BlockedAddressException($"{host}:{port} is not an address webhooks may be sent to (loopback, private, reserved or metadata, or a port not allowed).");
        return allowed;
    }

    public void Dispose() => _client.Dispose();
}

public sealed class BlockedAddressException(string message) : Exception(message);

public sealed class DnsFailureException(string message, Exception inner) : Exception(message, inner);
