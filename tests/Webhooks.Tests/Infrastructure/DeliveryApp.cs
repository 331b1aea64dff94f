namespace Webhooks.Tests.Infrastructure;

/// <summary>The app with its delivery workers running, quick retries and short timeouts, allowed to call 127.0.0.1.</summary>
public class DeliveryApp : WebhooksApp
{
    public const int RetryCount = 7;

    protected override Dictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["Webhooks:Workers:Enabled"] = "true";
            settings["Webhooks:Workers:PollInterval"] = "00:00:00.100";
            settings["Webhooks:Workers:Lease"] = "00:00:05";
            settings["Webhooks:Workers:MaxInFlightPerEndpoint"] = "4";
            settings["Webhooks:Delivery:Timeout"] = "00:00:02";
            settings["Webhooks:Delivery:AllowedNetworks:0"] = "127.0.0.1/32";
            // Tests that fail on purpose would otherwise open circuits; the breaker has a test of its own.
            settings["Webhooks:Delivery:CircuitBreaker:MinimumThroughput"] = "100000";
            for (var i = 0; i < RetryCount; i++) settings[$"Webhooks:Delivery:RetrySchedule:{i}"] = "00:00:00.100";
            return settings;
        }
    }
}

/// <summary>Workers off, but 127.0.0.1 may be called (for test sends).</summary>
public class LoopbackApp : WebhooksApp
{
    protected override Dictionary<string, string?> Settings
    {
        get
        {
            var settings = base.Settings;
            settings["Webhooks:Delivery:AllowedNetworks:0"] = "127.0.0.1/32";
            return settings;
        }
    }
}
