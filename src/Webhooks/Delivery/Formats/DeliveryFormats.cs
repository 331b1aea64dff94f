namespace Webhooks.Delivery.Formats;

/// <summary>The wire formats a subscription can choose; every one carries the Standard Webhooks id, timestamp and signature.</summary>
public static class DeliveryFormats
{
    /// <summary><c>{"type", "timestamp", "data"}</c> as application/json: the contract's shape, and the default.</summary>
    public const string StandardWebhooks = "standard-webhooks";
    /// <summary>The whole CloudEvent in the body, as application/cloudevents+json.</summary>
    public const string CloudEventsStructured = "cloudevents-structured";
    /// <summary>The attributes as ce-* headers, the data as the body.</summary>
    public const string CloudEventsBinary = "cloudevents-binary";

    public static readonly string[] All = [StandardWebhooks, CloudEventsStructured, CloudEventsBinary];
}
