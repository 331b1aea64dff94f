using Webhooks.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Webhooks.Tests;

public sealed class ConfigurationValidationTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Retention_shorter_than_the_idempotency_window_is_refused()
    {
        await using var app = new ConfiguredApp(new Dictionary<string, string?>
        {
            ["Webhooks:Retention:Days"] = "2",
            ["Webhooks:Ingest:IdempotencyWindow"] = "3.00:00:00",
        });

        var failure = await Assert.ThrowsAnyAsync<Exception>(app.InitializeAsync);

        var told = string.Join("\n", app.Logs.Entries.Append(failure.ToString()));
        Assert.Contains("Webhooks:Retention:Days must cover Webhooks:Ingest:IdempotencyWindow", told);
    }

    [Theory]
    [InlineData("Webhooks:Delivery:Timeout", "-00:00:01")]
    [InlineData("Webhooks:Delivery:Timeout", "banana")]
    [InlineData("Webhooks:Delivery:AllowedNetworks:0", "banana")]
    [InlineData("Webhooks:Delivery:RetrySchedule:0", "-00:00:05")]
    [InlineData("Webhooks:Bootstrap:AdminApiKey", "whk_short")]
    [InlineData("Webhooks:Bootstrap:AdminPassword", "admin")]
    [InlineData("Webhooks:Ingest:MaxBodyBytes", "0")]
    [InlineData("Webhooks:Ingest:MaxBodyBytes", "lots")]
    [InlineData("Webhooks:Ingest:IdempotencyWindow", "00:00:00")]
    [InlineData("Webhooks:Retention:Days", "0")]
    [InlineData("Webhooks:Retention:DeadDays", "7")]
    [InlineData("Webhooks:Jobs:Retention:Cron", "every quarter hour")]
    [InlineData("Webhooks:Jobs:FailingSubscriptions:Cron", "*/5 * * *")]
    [InlineData("Webhooks:Jobs:SigningSecrets:Cron", "61 * * * *")]
    [InlineData("Webhooks:Jobs:Workers", "0")]
    [InlineData("Webhooks:Retention:BatchSize", "-1")]
    [InlineData("Webhooks:Telemetry:OtlpEndpoint", "not a url")]
    [InlineData("Webhooks:Telemetry:OtlpProtocol", "carrier-pigeon")]
    [InlineData("Webhooks:Telemetry:ExportInterval", "00:00:00")]
    [InlineData("Webhooks:Telemetry:OtlpHeaders", "no-equals-sign")]
    [InlineData("Webhooks:Telemetry:PrometheusPort", "70000")]
    [InlineData("Webhooks:Telemetry:SampleInterval", "00:00:00")]
    [InlineData("Webhooks:Telemetry:FailingEndpoints", "-1")]
    [InlineData("OTEL_EXPORTER_OTLP_ENDPOINT", "not a url")]
    [InlineData("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "collector:4318")]
    [InlineData("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")]
    [InlineData("Webhooks:Delivery:RetrySchedule", "5s,soon")]
    [InlineData("Webhooks:Workers:Enabled", "banana")]
    [InlineData("Webhooks:Delivery:AllowedPorts:0", "0")]
    [InlineData("Webhooks:Delivery:AllowedPorts:0", "65536")]
    [InlineData("Webhooks:Limits:SubscriptionsPerPartner", "0")]
    [InlineData("Webhooks:Limits:SchemaBytes", "100")]
    [InlineData("Webhooks:Limits:TestSendsPerMinute", "0")]
    [InlineData("Webhooks:Limits:FailedKeyAttemptsPerMinute", "-5")]
    [InlineData("Webhooks:Sources:RabbitMq:orders:Connection", "http://broker.example.com")]
    [InlineData("Webhooks:Sources:RabbitMq:orders:Prefetch", "0")]
    [InlineData("Webhooks:Sources:Sqs:events:QueueUrl", "not a url")]
    [InlineData("Webhooks:Sources:Sqs:events:WaitTimeSeconds", "60")]
    public async Task A_bad_value_stops_the_app_at_start_with_a_message_naming_its_key(string key, string value)
    {
        await using var app = new ConfiguredApp(new Dictionary<string, string?> { [key] = value });

        var failure = await Assert.ThrowsAnyAsync<Exception>(app.InitializeAsync);

        // The host logs why it failed; the exception that reaches the test can be a disposal race in the test host.
        var told = string.Join("\n", app.Logs.Entries.Append(failure.ToString()));
        output.WriteLine(failure.Message);
        var named = key.EndsWith(":0", StringComparison.Ordinal) ? key[..^2] : key;
        Assert.Contains(named, told);
    }
}
