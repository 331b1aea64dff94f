using Microsoft.Extensions.Options;

namespace Webhooks.Delivery;

/// <summary>How this instance's delivery workers claim and send.</summary>
public sealed class WorkerOptions
{
    public const string Section = "Webhooks:Workers";

    public bool Enabled { get; set; } = true;
    /// <summary>Deliveries this instance holds at once (claimed, waiting for their endpoint, or in flight).</summary>
    public int Concurrency { get; set; } = 512;
    /// <summary>Rows claimed per statement.</summary>
    public int BatchSize { get; set; } = 200;
    /// <summary>The ceiling of an endpoint's adaptive in-flight limit.</summary>
    public int MaxInFlightPerEndpoint { get; set; } = 64;
    /// <summary>Attempts in flight to one destination host, across every subscription that sends to it.</summary>
    public int MaxInFlightPerHost { get; set; } = 64;
    /// <summary>
    /// Publishes in flight to one RabbitMQ destination, and to one RabbitMQ host across its subscriptions. They share one
    /// connection and the broker confirms them in batches, so its throughput comes from many in flight.
    /// </summary>
    public int MaxInFlightPerRabbitMq { get; set; } = 256;
    /// <summary>How often to look for due deliveries when no notification arrives (retries come due this way).</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);
    /// <summary>How long a claim holds a delivery; renewed while it is held. Must exceed Webhooks:Delivery:Timeout.</summary>
    public TimeSpan Lease { get; set; } = TimeSpan.FromSeconds(60);
}

internal sealed class WorkerOptionsValidator(IOptions<DeliveryOptions> delivery) : IValidateOptions<WorkerOptions>
{
    public ValidateOptionsResult Validate(string? name, WorkerOptions o)
    {
        var errors = new List<string>();
        if (o.Concurrency is < 1 or > 10_000)
            errors.Add($"{WorkerOptions.Section}:Concurrency must be between 1 and 10000 (was {o.Concurrency}).");
        if (o.BatchSize is < 1 or > 1000)
            errors.Add($"{WorkerOptions.Section}:BatchSize must be between 1 and 1000 (was {o.BatchSize}).");
        if (o.MaxInFlightPerEndpoint is < 1 or > 1000)
            errors.Add($"{WorkerOptions.Section}:MaxInFlightPerEndpoint must be between 1 and 1000 (was {o.MaxInFlightPerEndpoint}).");
        if (o.MaxInFlightPerHost is < 1 or > 10_000)
            errors.Add($"{WorkerOptions.Section}:MaxInFlightPerHost must be between 1 and 10000 (was {o.MaxInFlightPerHost}).");
        if (o.MaxInFlightPerRabbitMq is < 1 or > 10_000)
            errors.Add($"{WorkerOptions.Section}:MaxInFlightPerRabbitMq must be between 1 and 10000 (was {o.MaxInFlightPerRabbitMq}).");
        if (o.PollInterval < TimeSpan.FromMilliseconds(10) || o.PollInterval > TimeSpan.FromMinutes(1))
            errors.Add($"{WorkerOptions.Section}:PollInterval must be between 00:00:00.010 and 00:01:00 (was {o.PollInterval}).");
        var minimum = delivery.Value.Timeout + TimeSpan.FromSeconds(2);
        if (o.Lease < minimum || o.Lease > TimeSpan.FromHours(1))
            errors.Add($"{WorkerOptions.Section}:Lease must be at least Webhooks:Delivery:Timeout plus 2 seconds ({minimum}) and at most 01:00:00 (was {o.Lease}).");
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
