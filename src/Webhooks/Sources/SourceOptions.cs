using Microsoft.Extensions.Options;

namespace Webhooks.Sources;

/// <summary>Queues consumed as ingest, by name: <c>Webhooks:Sources:RabbitMq:&lt;name&gt;</c> and <c>Webhooks:Sources:Sqs:&lt;name&gt;</c>.</summary>
public sealed class SourcesOptions
{
    public const string Section = "Webhooks:Sources";

    public Dictionary<string, RabbitMqSourceOptions> RabbitMq { get; set; } = [];
    public Dictionary<string, SqsSourceOptions> Sqs { get; set; } = [];
}

public sealed class RabbitMqSourceOptions
{
    /// <summary>An amqp:// or amqps:// URI: user, password, host, port, virtual host.</summary>
    public string Connection { get; set; } = "";
    public string Queue { get; set; } = "";
    /// <summary>Unacknowledged messages the broker hands this instance at once; they are committed together.</summary>
    public int Prefetch { get; set; } = 500;
    /// <summary>
    /// Where invalid messages are published, with the reason in the <c>x-webhooks-rejection</c> header, before they are
    /// acknowledged. Empty: they are rejected, so the queue's own dead-letter exchange (if it has one) takes them.
    /// </summary>
    public string DeadLetterExchange { get; set; } = "";
    /// <summary>The routing key for <see cref="DeadLetterExchange"/>; empty: the message's own.</summary>
    public string DeadLetterRoutingKey { get; set; } = "";
}

public sealed class SqsSourceOptions
{
    public string QueueUrl { get; set; } = "";
    public string Region { get; set; } = "";
    /// <summary>An endpoint other than the region's (a VPC endpoint, a local SQS).</summary>
    public string ServiceUrl { get; set; } = "";
    /// <summary>Both or neither; neither: the AWS SDK's default credentials (environment, profile, instance role).</summary>
    public string AccessKeyId { get; set; } = "";
    public string SecretAccessKey { get; set; } = "";
    /// <summary>Receive loops, each taking up to 10 messages per call; their batches share commits.</summary>
    public int Receivers { get; set; } = 4;
    /// <summary>How long a receive waits for messages (long polling), 0 to 20 seconds.</summary>
    public int WaitTimeSeconds { get; set; } = 20;
}

internal sealed class SourcesOptionsValidator : IValidateOptions<SourcesOptions>
{
    public ValidateOptionsResult Validate(string? name, SourcesOptions o)
    {
        var errors = new List<string>();
        foreach (var (source, r) in o.RabbitMq)
        {
            var key = $"{SourcesOptions.Section}:RabbitMq:{source}";
            if (!Uri.TryCreate(r.Connection, UriKind.Absolute, out var uri) || uri.Scheme is not ("amqp" or "amqps") || string.IsNullOrEmpty(uri.Host))
                errors.Add($"{key}:Connection must be an amqp:// or amqps:// URI like amqp://user:password@broker:5672/vhost.");
            if (string.IsNullOrWhiteSpace(r.Queue) || r.Queue.Length > 255)
                errors.Add($"{key}:Queue must name the queue to consume (at most 255 characters).");
            if (r.Prefetch is < 1 or > 10_000)
                errors.Add($"{key}:Prefetch must be between 1 and 10000 (was {r.Prefetch}).");
            if (r.DeadLetterExchange.Length > 255 || r.DeadLetterRoutingKey.Length > 255)
                errors.Add($"{key}:DeadLetterExchange and DeadLetterRoutingKey may have at most 255 characters.");
        }
        foreach (var (source, q) in o.Sqs)
        {
            var key = $"{SourcesOptions.Section}:Sqs:{source}";
            if (!Uri.TryCreate(q.QueueUrl, UriKind.Absolute, out var queue) || queue.Scheme is not ("https" or "http"))
                errors.Add($"{key}:QueueUrl must be the queue's URL, like https://sqs.eu-west-1.amazonaws.com/123456789012/events.");
            if (string.IsNullOrWhiteSpace(q.Region))
                errors.Add($"{key}:Region must name the queue's AWS region, like eu-west-1.");
            if (q.ServiceUrl.Length > 0 && (!Uri.TryCreate(q.ServiceUrl, UriKind.Absolute, out var service) || service.Scheme is not ("https" or "http")))
                errors.Add($"{key}:ServiceUrl must be empty or an http(s) URL.");
            if (string.IsNullOrEmpty(q.AccessKeyId) != string.IsNullOrEmpty(q.SecretAccessKey))
                errors.Add($"{key}:AccessKeyId and {key}:SecretAccessKey must be set together (or neither, for the SDK's default credentials).");
            if (q.Receivers is < 1 or > 100)
                errors.Add($"{key}:Receivers must be between 1 and 100 (was {q.Receivers}).");
            if (q.WaitTimeSeconds is < 0 or > 20)
                errors.Add($"{key}:WaitTimeSeconds must be between 0 and 20 (was {q.WaitTimeSeconds}).");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
