using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text.Json;
using RabbitMQ.Client;
using Webhooks.Subscriptions;

namespace Webhooks.Delivery.Destinations;

/// <summary>
/// Publishes to a RabbitMQ exchange: persistent, mandatory, with publisher confirms; the broker's confirm is the success.
/// One connection per broker and credentials (decrypted once, when it is opened), one confirming channel per exchange on
/// it, shared by every attempt; connections unused for a while are closed.
/// </summary>
public sealed class RabbitMqDestination : IDestination, IAsyncDisposable
{
    private static readonly TimeSpan IdleAfter = TimeSpan.FromMinutes(10);

    private readonly ConcurrentDictionary<string, RabbitMqPublisher> _byCredentials = new();
    private readonly ConcurrentDictionary<string, RabbitMqPublisher> _byConnection = new();
    private readonly EndpointAddressGuard _guard;
    private readonly DestinationCredentials _credentials;
    private readonly TimeProvider _time;
    private readonly ITimer _sweeper;

    public RabbitMqDestination(EndpointAddressGuard guard, DestinationCredentials credentials, TimeProvider time)
    {
        _guard = guard;
        _credentials = credentials;
        _time = time;
        _sweeper = time.CreateTimer(_ => _ = CloseIdleAsync(), null, TimeSpan.FromMinutes(1), TimeSpan.FromMinutes(1));
    }

    public string Type => RabbitMqSettings.Kind;

    public async ValueTask<SendOutcome> SendAsync(ClaimedDelivery delivery, OutgoingMessage message, CancellationToken cancellationToken)
    {
        var settings = (RabbitMqSettings)delivery.Broker!;
        RabbitMqPublisher publisher;
        try
        {
            publisher = _byCredentials.GetOrAdd(settings.Credentials, Open);
        }
        catch (CryptographicException)
        {
            return new SendOutcome(null, ErrorKinds.Auth, "The destination's credentials cannot be decrypted (the Data Protection key ring changed): register the destination again.");
        }
        publisher.LastUsed = _time.GetTimestamp();
        return await publisher.PublishAsync(settings, delivery, message, cancellationToken);
    }

    /// <summary>Subscriptions with the same broker and credentials share one connection.</summary>
    private RabbitMqPublisher Open(string protectedCredentials)
    {
        var connection = _credentials.Unprotect(protectedCredentials);
        return _byConnection.GetOrAdd(connection, c => new RabbitMqPublisher(new Uri(c), _guard, _time));
    }

    private async Task CloseIdleAsync()
    {
        foreach (var (connection, publisher) in _byConnection)
        {
            if (_time.GetElapsedTime(publisher.LastUsed) < IdleAfter) continue;
            _byConnection.TryRemove(connection, out _);
            foreach (var entry in _byCredentials.Where(e => e.Value == publisher)) _byCredentials.TryRemove(entry);
            await publisher.DisposeAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _sweeper.DisposeAsync();
        foreach (var publisher in _byConnection.Values) await publisher.DisposeAsync();
        _byConnection.Clear();
        _byCredentials.Clear();
    }
}

/// <summary>One connection to a broker, opened when first needed and again after it is lost, with a confirming channel per exchange.</summary>
internal sealed class RabbitMqPublisher(Uri uri, EndpointAddressGuard guard, TimeProvider time) : IAsyncDisposable
{
    /// <summary>After a failed connect, attempts fail at once for this long instead of each trying again.</summary>
    private static readonly TimeSpan ReconnectAfter = TimeSpan.FromSeconds(1);

    private readonly SemaphoreSlim _opening = new(1, 1);
    private readonly ConcurrentDictionary<string, IChannel> _channels = new();
    private IConnection? _connection;
    private (long At, Exception Error)? _lastFailure;
    private volatile string? _blockedReason;

    public long LastUsed { get; set; }

    public async ValueTask<SendOutcome> PublishAsync(RabbitMqSettings settings, ClaimedDelivery delivery, OutgoingMessage message, CancellationToken cancellationToken)
    {
        try
        {
            var channel = await ChannelAsync(settings.Exchange, cancellationToken);
            if (_blockedReason is { } blocked)
                return new SendOutcome(null, ErrorKinds.Throttled, $"The broker blocks publishing ({blocked}).");
            var properties = new BasicProperties
            {
                ContentType = message.ContentType,
                DeliveryMode = DeliveryModes.Persistent,
                Type = delivery.EventType,
                AppId = "webhooks",
                Headers = new Dictionary<string, object?>(message.Headers.Length),
            };
            foreach (var (name, value) in message.Headers)
            {
                properties.Headers[name] = value;
                if (name == "webhook-id") properties.MessageId = value;
                else if (name == "webhook-timestamp" && long.TryParse(value, out var seconds)) properties.Timestamp = new AmqpTimestamp(seconds);
            }
            await channel.BasicPublishAsync(settings.Exchange, settings.RoutingKey, mandatory: true, properties, message.Body, cancellationToken);
            return new SendOutcome(null, null, null, settings.ConfirmedOutcome);
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var (kind, error) = BrokerErrors.ClassifyRabbitMq(e, settings);
            return new SendOutcome(null, kind, error);
        }
    }

    private async ValueTask<IChannel> ChannelAsync(string exchange, CancellationToken cancellationToken)
    {
        var connection = _connection;
        if (connection is { IsOpen: true } && _channels.TryGetValue(exchange, out var channel) && channel.IsOpen) return channel;
        await _opening.WaitAsync(cancellationToken);
        try
        {
            connection = await ConnectionAsync(cancellationToken);
            if (_channels.TryGetValue(exchange, out channel) && channel.IsOpen) return channel;
            // An exchange that does not exist closes its channel: the others, on channels of their own, go on.
            channel?.Dispose();
            channel = await connection.CreateChannelAsync(
                new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), cancellationToken);
            return _channels[exchange] = channel;
        }
        finally
        {
            _opening.Release();
        }
    }

    private async ValueTask<IConnection> ConnectionAsync(CancellationToken cancellationToken)
    {
        if (_connection is { IsOpen: true } open) return open;
        if (_lastFailure is { } failure && time.GetElapsedTime(failure.At) < ReconnectAfter)
            throw new BrokerConnectFailedException(failure.Error);
        if (_connection is { } dead)
        {
            // Closed once, not again by every later connect attempt while the broker stays away.
            _connection = null;
            await CloseQuietlyAsync(dead);
        }
        _channels.Clear();
        try
        {
            var factory = new ConnectionFactory
            {
                Uri = uri,
                AutomaticRecoveryEnabled = false,
                TopologyRecoveryEnabled = false,
                RequestedConnectionTimeout = TimeSpan.FromSeconds(10),
                ClientProvidedName = "webhooks delivery",
            };
            // The address guard checks where the connection goes, after DNS, as it does for HTTP endpoints.
            var addresses = await HttpDestination.AllowedAddressesAsync(guard, factory.HostName, factory.Port, cancellationToken);
            var endpoints = addresses.Select(a => new AmqpTcpEndpoint(a.ToString(), factory.Port,
                new SslOption(factory.HostName, enabled: factory.Ssl.Enabled))).ToList();
            var connection = await factory.CreateConnectionAsync(endpoints, cancellationToken);
            connection.ConnectionBlockedAsync += (_, e) => { _blockedReason = e.Reason; return Task.CompletedTask; };
            connection.ConnectionUnblockedAsync += (_, _) => { _blockedReason = null; return Task.CompletedTask; };
            _blockedReason = null;
            _lastFailure = null;
            return _connection = connection;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested)
        {
            _lastFailure = (time.GetTimestamp(), e);
            throw;
        }
    }

    private static async Task CloseQuietlyAsync(IConnection connection)
    {
        try { await connection.CloseAsync(TimeSpan.FromSeconds(2)); }
        catch (Exception) { /* already gone */ }
        connection.Dispose();
    }

    public async ValueTask DisposeAsync()
    {
        if (_connection is { } connection) await CloseQuietlyAsync(connection);
        _connection = null;
    }
}

/// <summary>A connect attempt is not made again so soon after one failed: this carries that failure.</summary>
public sealed class BrokerConnectFailedException(Exception inner) : Exception(inner.Message, inner);
