using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Webhooks.Delivery.Destinations;

/// <summary>
/// A broker destination as the <c>subscriptions.destination</c> column stores it (NULL there means HTTP to the URL).
/// <see cref="Credentials"/> is a Data Protection payload: decrypted by the destination once per connection it opens, never per message.
/// </summary>
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type")]
[JsonDerivedType(typeof(RabbitMqSettings), RabbitMqSettings.Kind)]
[JsonDerivedType(typeof(SqsSettings), SqsSettings.Kind)]
public abstract record BrokerSettings(string Credentials)
{
    private const int MaxCached = 10_000;
    private static readonly ConcurrentDictionary<string, BrokerSettings> Parsed = new();

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        // jsonb keeps its own key order: the type need not come first.
        AllowOutOfOrderMetadataProperties = true,
    };

    /// <summary>The destination kind, as <see cref="IDestination.Type"/> names it.</summary>
    [JsonIgnore]
    public abstract string Type { get; }

    /// <summary>The column's text, parsed once and then looked up: every claimed row of a broker subscription carries it.</summary>
    public static BrokerSettings Parse(string json)
    {
        if (Parsed.TryGetValue(json, out var settings)) return settings;
        if (Parsed.Count > MaxCached) Parsed.Clear();
        return Parsed[json] = JsonSerializer.Deserialize<BrokerSettings>(json, Json)
            ?? throw new InvalidOperationException("A subscription's destination column holds null.");
    }

    public string ToJson() => JsonSerializer.Serialize(this, Json);
}

/// <summary>Publish to <paramref name="Exchange"/> with <paramref name="RoutingKey"/>; the credentials are the whole amqp(s) URI.</summary>
public sealed record RabbitMqSettings(string Exchange, string RoutingKey, string Credentials) : BrokerSettings(Credentials)
{
    public const string Kind = "rabbitmq";
    [JsonIgnore] public override string Type => Kind;

    /// <summary>What a confirmed attempt records as the broker's answer; made once per destination, not per message.</summary>
    [JsonIgnore]
    public string ConfirmedOutcome => field ??= JsonSerializer.Serialize(new Dictionary<string, string>
    {
        ["confirm"] = "ack", ["exchange"] = Exchange, ["routing-key"] = RoutingKey,
    });
}

/// <summary>SendMessage to <paramref name="QueueUrl"/>; the credentials are the access key pair, as JSON.</summary>
public sealed record SqsSettings(string QueueUrl, string Region, string? ServiceUrl, string Credentials) : BrokerSettings(Credentials)
{
    public const string Kind = "sqs";
    [JsonIgnore] public override string Type => Kind;
}

/// <summary>The SQS access key pair, as the credentials payload holds it.</summary>
public sealed record SqsKeys(string AccessKeyId, string SecretAccessKey);
