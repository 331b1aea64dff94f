using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Webhooks.Delivery.Destinations;
using Webhooks.Delivery.Formats;

namespace Webhooks.Subscriptions;

/// <summary>
/// Where a subscription delivers, as the API takes it: <c>{"type": "http", "url"}</c>, <c>{"type": "rabbitmq", "connection",
/// "exchange", "routingKey"}</c> or <c>{"type": "sqs", "queueUrl", "region", "accessKeyId", "secretAccessKey", "serviceUrl"?}</c>.
/// </summary>
public sealed record DestinationRequest(
    string? Type, string? Url = null, string? Connection = null, string? Exchange = null, string? RoutingKey = null,
    string? QueueUrl = null, string? Region = null, string? AccessKeyId = null, string? SecretAccessKey = null, string? ServiceUrl = null);

/// <summary>A destination as the API shows it: never its credentials (a RabbitMQ connection shows <c>***</c> for them).</summary>
public sealed record DestinationResponse(string Type)
{
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Url { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Connection { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Exchange { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? RoutingKey { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? QueueUrl { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? Region { get; init; }
    [JsonIgnore(Condition = JsonIgnoreCondition.WhenWritingNull)] public string? ServiceUrl { get; init; }

    /// <summary>From the url and destination columns.</summary>
    public static DestinationResponse From(string url, string? destination) => destination is null
        ? new DestinationResponse("http") { Url = url }
        : BrokerSettings.Parse(destination) switch
        {
            RabbitMqSettings r => new DestinationResponse(r.Type) { Connection = url, Exchange = r.Exchange, RoutingKey = r.RoutingKey },
            SqsSettings q => new DestinationResponse(q.Type) { QueueUrl = q.QueueUrl, Region = q.Region, ServiceUrl = q.ServiceUrl },
            var other => new DestinationResponse(other.Type),
        };
}

/// <summary>A checked destination: what goes into the url and destination columns.</summary>
public sealed record CheckedDestination(string Type, string Url, string? Destination);

/// <summary>
/// Checks a destination at registration (malformed is refused; reachable later is fine) and turns it into its stored
/// form, credentials encrypted. Broker hosts go through the same address guard as endpoint URLs.
/// </summary>
public sealed partial class DestinationRules(EndpointAddressGuard guard, DestinationCredentials credentials)
{
    public const string Http = "http";
    /// <summary>SQS carries at most 10 message attributes; webhook-id, webhook-timestamp and webhook-signature take three.</summary>
    public const int MaxSqsCustomHeaders = 7;
    private const int MaxAmqpName = 255;

    /// <summary>
    /// The destination that <paramref name="url"/> (the top-level form) or <paramref name="destination"/> names, or null when neither
    /// is given or either is wrong (then the reasons are in <paramref name="errors"/>, keyed by JSON path).
    /// </summary>
    public CheckedDestination? Check(string? url, DestinationRequest? destination, bool required, Dictionary<string, string[]> errors)
    {
        if (destination is null)
        {
            if (url is null && !required) return null;
            if (guard.CheckUrl(url) is { } urlError) { errors["$.url"] = [urlError]; return null; }
            return new CheckedDestination(Http, url!, null);
        }
        if (url is not null)
        {
            errors["$.url"] = ["Give either url or destination, not both: an HTTP endpoint can be {\"type\": \"http\", \"url\": ...}."];
            return null;
        }
        var before = errors.Count;
        CheckedDestination? result = destination.Type switch
        {
            Http => CheckHttp(destination, errors),
            RabbitMqSettings.Kind => CheckRabbitMq(destination, errors),
            SqsSettings.Kind => CheckSqs(destination, errors),
            _ => Fail(errors, "$.destination.type", "type must be http, rabbitmq or sqs."),
        };
        return errors.Count == before ? result : null;
    }

    /// <summary>Custom headers travel as SQS message attributes: at most 10 in all, with names SQS accepts.</summary>
    public static void CheckHeaders(string type, Dictionary<string, string>? headers, Dictionary<string, string[]> errors)
    {
        if (type != SqsSettings.Kind || headers is null) return;
        if (headers.Count > MaxSqsCustomHeaders)
            errors["$.headers"] = [$"An SQS destination takes at most {MaxSqsCustomHeaders} custom headers: SQS carries 10 message attributes and the webhook-* headers take three."];
        foreach (var name in headers.Keys.Where(n => !SqsAttributeName().IsMatch(n) || n.StartsWith("aws.", StringComparison.OrdinalIgnoreCase)
                                                     || n.StartsWith("amazon.", StringComparison.OrdinalIgnoreCase) || n.Contains("..")))
            errors[$"$.headers.{name}"] = [$"'{name}' cannot be an SQS message attribute name (letters, digits, '-', '_' and '.', not starting with AWS. or Amazon.)."];
    }

    /// <summary>
    /// Binary mode puts each CloudEvent attribute in a header of its own, and a posted CloudEvent may carry any number of
    /// extensions: on SQS, with at most 10 message attributes, such a message would be refused at every attempt.
    /// </summary>
    public static void CheckFormat(string type, string? format, Dictionary<string, string[]> errors)
    {
        if (type == SqsSettings.Kind && format == DeliveryFormats.CloudEventsBinary)
            errors["$.format"] = [$"An SQS destination cannot take '{DeliveryFormats.CloudEventsBinary}': it needs a message attribute per CloudEvent attribute and SQS carries at most 10. Use '{DeliveryFormats.CloudEventsStructured}' (the whole CloudEvent in the message body)."];
    }

    private CheckedDestination? CheckHttp(DestinationRequest d, Dictionary<string, string[]> errors)
    {
        Unexpected(errors, d.Connection, "connection", Http); Unexpected(errors, d.Exchange, "exchange", Http); Unexpected(errors, d.RoutingKey, "routingKey", Http);
        Unexpected(errors, d.QueueUrl, "queueUrl", Http); Unexpected(errors, d.Region, "region", Http); Unexpected(errors, d.AccessKeyId, "accessKeyId", Http);
        Unexpected(errors, d.SecretAccessKey, "secretAccessKey", Http); Unexpected(errors, d.ServiceUrl, "serviceUrl", Http);
        if (guard.CheckUrl(d.Url) is { } error) return Fail(errors, "$.destination.url", error);
        return new CheckedDestination(Http, d.Url!, null);
    }

    private CheckedDestination? CheckRabbitMq(DestinationRequest d, Dictionary<string, string[]> errors)
    {
        Unexpected(errors, d.Url, "url", RabbitMqSettings.Kind); Unexpected(errors, d.QueueUrl, "queueUrl", RabbitMqSettings.Kind);
        Unexpected(errors, d.Region, "region", RabbitMqSettings.Kind); Unexpected(errors, d.AccessKeyId, "accessKeyId", RabbitMqSettings.Kind);
        Unexpected(errors, d.SecretAccessKey, "secretAccessKey", RabbitMqSettings.Kind); Unexpected(errors, d.ServiceUrl, "serviceUrl", RabbitMqSettings.Kind);
        if (d.Exchange is null || d.Exchange.Length > MaxAmqpName || d.Exchange.Any(char.IsControl))
            errors["$.destination.exchange"] = [$"exchange is required: an exchange name of at most {MaxAmqpName} characters (\"\" is the default exchange, which routes to the queue named by the routing key)."];
        if (d.RoutingKey is null || d.RoutingKey.Length > MaxAmqpName || d.RoutingKey.Any(char.IsControl))
            errors["$.destination.routingKey"] = [$"routingKey is required: at most {MaxAmqpName} characters, \"\" allowed."];
        if (AmqpAddress.TryParse(d.Connection, out var address, out var problem) is false)
            return Fail(errors, "$.destination.connection", problem!);
        if (guard.CheckHost(address!.Uri, "connection") is { } hostError)
            return Fail(errors, "$.destination.connection", hostError);
        var stored = new RabbitMqSettings(d.Exchange ?? "", d.RoutingKey ?? "", credentials.Protect(d.Connection!));
        return new CheckedDestination(RabbitMqSettings.Kind, address.Display, stored.ToJson());
    }

    private CheckedDestination? CheckSqs(DestinationRequest d, Dictionary<string, string[]> errors)
    {
        Unexpected(errors, d.Url, "url", SqsSettings.Kind); Unexpected(errors, d.Connection, "connection", SqsSettings.Kind);
        Unexpected(errors, d.Exchange, "exchange", SqsSettings.Kind); Unexpected(errors, d.RoutingKey, "routingKey", SqsSettings.Kind);
        if (guard.CheckUrl(d.QueueUrl, "queueUrl") is { } queueError) errors["$.destination.queueUrl"] = [queueError];
        else if (!QueuePath().IsMatch(new Uri(d.QueueUrl!).AbsolutePath))
            errors["$.destination.queueUrl"] = ["queueUrl must be a queue URL like https://sqs.eu-west-1.amazonaws.com/123456789012/orders."];
        if (d.Region is null || !Region().IsMatch(d.Region))
            errors["$.destination.region"] = ["region is required: an AWS region like eu-west-1."];
        if (d.AccessKeyId is null || !AccessKeyId().IsMatch(d.AccessKeyId))
            errors["$.destination.accessKeyId"] = ["accessKeyId is required: 16 to 128 letters and digits."];
        if (string.IsNullOrWhiteSpace(d.SecretAccessKey) || d.SecretAccessKey.Length > 256 || d.SecretAccessKey.Any(char.IsControl))
            errors["$.destination.secretAccessKey"] = ["secretAccessKey is required (at most 256 characters)."];
        if (d.ServiceUrl is not null && guard.CheckUrl(d.ServiceUrl, "serviceUrl") is { } serviceError)
            errors["$.destination.serviceUrl"] = [serviceError];
        if (errors.Keys.Any(k => k.StartsWith("$.destination", StringComparison.Ordinal))) return null;
        var keys = credentials.Protect(JsonSerializer.Serialize(new SqsKeys(d.AccessKeyId!, d.SecretAccessKey!)));
        var stored = new SqsSettings(d.QueueUrl!, d.Region!, d.ServiceUrl, keys);
        return new CheckedDestination(SqsSettings.Kind, d.QueueUrl!, stored.ToJson());
    }

    private static void Unexpected(Dictionary<string, string[]> errors, string? value, string member, string type)
    {
        if (value is not null) errors[$"$.destination.{member}"] = [$"{member} is not a member of a {type} destination."];
    }

    private static CheckedDestination? Fail(Dictionary<string, string[]> errors, string path, string message)
    {
        errors[path] = [message];
        return null;
    }

    [GeneratedRegex("^[A-Za-z0-9_.-]{1,256}$")]
    private static partial Regex SqsAttributeName();

    [GeneratedRegex("^/[0-9A-Za-z_-]{1,64}/[0-9A-Za-z_-]{1,80}(\\.fifo)?/?$")]
    private static partial Regex QueuePath();

    [GeneratedRegex("^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$")]
    private static partial Regex Region();

    [GeneratedRegex("^[A-Za-z0-9]{16,128}$")]
    private static partial Regex AccessKeyId();
}

/// <summary>
/// An amqp:// or amqps:// URI (RabbitMQ's URI form: user and password, host, port, virtual host). <see cref="Display"/> is the
/// same address with the credentials shown as <c>***</c>.
/// </summary>
public sealed record AmqpAddress(Uri Uri, string Host, int Port, string VirtualHost, bool Tls, string Display)
{
    public static bool TryParse(string? text, out AmqpAddress? address, out string? problem)
    {
        address = null;
        problem = "connection is required: an amqp:// or amqps:// URI like amqp://user:password@broker.example.com:5672/vhost.";
        if (string.IsNullOrWhiteSpace(text) || text.Length > 2048 || !Uri.TryCreate(text, UriKind.Absolute, out var uri)
            || uri.Scheme is not ("amqp" or "amqps") || string.IsNullOrEmpty(uri.Host))
            return false;
        if (!string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment))
        {
            problem = "connection must not have a query or a fragment.";
            return false;
        }
        var tls = uri.Scheme == "amqps";
        var port = uri.Port > 0 ? uri.Port : tls ? 5671 : 5672;
        if (port is < 1 or > 65535)
        {
            problem = "connection must name a port from 1 to 65535.";
            return false;
        }
        var path = uri.AbsolutePath.TrimStart('/');
        var virtualHost = path.Length == 0 ? "/" : Uri.UnescapeDataString(path);
        var credentials = string.IsNullOrEmpty(uri.UserInfo) ? "" : "***@";
        var host = uri.HostNameType == UriHostNameType.IPv6 ? $"[{uri.Host.Trim('[', ']')}]" : uri.IdnHost;
        address = new AmqpAddress(uri, uri.IdnHost.Trim('[', ']'), port, virtualHost, tls,
            $"{uri.Scheme}://{credentials}{host}:{port}/{Uri.EscapeDataString(virtualHost)}");
        problem = null;
        return true;
    }
}
