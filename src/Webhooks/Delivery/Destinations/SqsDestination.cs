using System.Collections.Concurrent;
using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using Webhooks.Subscriptions;

namespace Webhooks.Delivery.Destinations;

/// <summary>
/// Sends each message to an SQS queue with SendMessage; the SDK's success is the success. The webhook-* headers (and the
/// subscription's own) travel as string message attributes. One client per queue's credentials, region and endpoint,
/// decrypted once when it is made; its connections go through the address guard. The SDK does not retry: the queue's schedule does.
/// </summary>
public sealed class SqsDestination(EndpointAddressGuard guard, DestinationCredentials credentials) : IDestination, IDisposable
{
    private readonly ConcurrentDictionary<string, AmazonSQSClient> _byCredentials = new();
    private readonly ConcurrentDictionary<(string Keys, string Region, string? ServiceUrl), AmazonSQSClient> _clients = new();
    private readonly GuardedHttpClientFactory _http = new(guard);

    public string Type => SqsSettings.Kind;

    public async ValueTask<SendOutcome> SendAsync(ClaimedDelivery delivery, OutgoingMessage message, CancellationToken cancellationToken)
    {
        var settings = (SqsSettings)delivery.Broker!;
        AmazonSQSClient client;
        try
        {
            client = _byCredentials.GetOrAdd(settings.Credentials, _ => Client(settings));
        }
        catch (CryptographicException)
        {
            return new SendOutcome(null, ErrorKinds.Auth, "The destination's credentials cannot be decrypted (the Data Protection key ring changed): register the destination again.");
        }
        var request = new SendMessageRequest
        {
            QueueUrl = settings.QueueUrl,
            MessageBody = Encoding.UTF8.GetString(message.Body),
            MessageAttributes = new Dictionary<string, MessageAttributeValue>(message.Headers.Length),
        };
        foreach (var (name, value) in message.Headers)
            request.MessageAttributes[name] = new MessageAttributeValue { DataType = "String", StringValue = value };
        if (settings.QueueUrl.EndsWith(".fifo", StringComparison.Ordinal))
        {
            // No order is promised between deliveries, so each event is a group of its own; retries within one replay deduplicate.
            request.MessageGroupId = delivery.EventId.ToString();
            request.MessageDeduplicationId = $"{delivery.EventId}-{delivery.AttemptBase}";
        }
        try
        {
            var response = await client.SendMessageAsync(request, cancellationToken);
            var answer = new Dictionary<string, string> { ["message-id"] = response.MessageId, ["md5-of-message-body"] = response.MD5OfMessageBody };
            if (response.SequenceNumber is { } sequence) answer["sequence-number"] = sequence;
            return new SendOutcome(null, null, null, JsonSerializer.Serialize(answer));
        }
        catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
        {
            var (kind, error) = BrokerErrors.ClassifySqs(e);
            var answer = e is AmazonServiceException { StatusCode: var status and not 0 } service
                ? JsonSerializer.Serialize(new Dictionary<string, string> { ["http-status"] = ((int)status).ToString(), ["error-code"] = service.ErrorCode ?? "" })
                : null;
            return new SendOutcome(null, kind, error, answer);
        }
    }

    /// <summary>Subscriptions with the same keys, region and endpoint share a client.</summary>
    private AmazonSQSClient Client(SqsSettings settings)
    {
        var keys = JsonSerializer.Deserialize<SqsKeys>(credentials.Unprotect(settings.Credentials), JsonSerializerOptions.Web)!;
        return _clients.GetOrAdd((keys.AccessKeyId + ":" + keys.SecretAccessKey, settings.Region, settings.ServiceUrl),
            _ => SqsClients.Create(settings.Region, settings.ServiceUrl, new BasicAWSCredentials(keys.AccessKeyId, keys.SecretAccessKey), _http));
    }

    public void Dispose()
    {
        foreach (var client in _clients.Values) client.Dispose();
    }
}

/// <summary>SQS clients as the app makes them, for destinations and sources alike.</summary>
public static class SqsClients
{
    /// <summary>
    /// A client for <paramref name="region"/>, at <paramref name="serviceUrl"/> when given (a VPC endpoint, a local SQS);
    /// default credentials (the SDK's chain) when <paramref name="credentials"/> is null. The SDK makes no retries of its own.
    /// </summary>
    public static AmazonSQSClient Create(string region, string? serviceUrl, AWSCredentials? credentials, HttpClientFactory? http = null)
    {
        var config = new AmazonSQSConfig { MaxErrorRetry = 0, AuthenticationRegion = region };
        if (string.IsNullOrEmpty(serviceUrl)) config.RegionEndpoint = Amazon.RegionEndpoint.GetBySystemName(region);
        else config.ServiceURL = serviceUrl;
        if (http is not null) config.HttpClientFactory = http;
        return credentials is null ? new AmazonSQSClient(config) : new AmazonSQSClient(credentials, config);
    }
}

/// <summary>
/// The SDK's HTTP connections, made through the address guard as the HTTP destination's are (checked after DNS); no redirects,
/// no proxy. One pooled client for every SQS client of the destination: with its own caching off (so that it never hands this
/// client to anyone else), the SDK asks the factory for a client on every request.
/// </summary>
internal sealed class GuardedHttpClientFactory(EndpointAddressGuard guard) : HttpClientFactory
{
    private readonly Lazy<HttpClient> _client = new(() => new HttpClient(new SocketsHttpHandler
    {
        AllowAutoRedirect = false,
        UseProxy = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
        PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        ConnectTimeout = TimeSpan.FromSeconds(10),
        ConnectCallback = (context, cancellationToken) => HttpDestination.ConnectAsync(guard, context.DnsEndPoint, cancellationToken),
    }) { Timeout = Timeout.InfiniteTimeSpan });

    public override HttpClient CreateHttpClient(IClientConfig clientConfig) => _client.Value;

    public override bool UseSDKHttpClientCaching(IClientConfig clientConfig) => false;

    public override bool DisposeHttpClientsAfterUse(IClientConfig clientConfig) => false;
}
