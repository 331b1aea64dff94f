using Webhooks.Delivery.Destinations;
using Webhooks.Subscriptions;

namespace Webhooks.Ui.Pages.Subscriptions;

/// <summary>
/// A subscription as typed in the form: filters and headers as text, the rate limit as a number or blank, the destination as
/// its type and that type's fields (credentials are never filled in: a broker destination is changed by entering it whole).
/// </summary>
public sealed class SubscriptionForm
{
    public Guid? PartnerId { get; set; }
    public string DestinationType { get; set; } = DestinationRules.Http;
    public string? Url { get; set; }
    public string? Connection { get; set; }
    public string? Exchange { get; set; }
    public string? RoutingKey { get; set; }
    public string? QueueUrl { get; set; }
    public string? Region { get; set; }
    public string? AccessKeyId { get; set; }
    public string? SecretAccessKey { get; set; }
    public string? ServiceUrl { get; set; }
    public string? EventTypes { get; set; }
    public string? Description { get; set; }
    public string? Headers { get; set; }
    public string? RateLimit { get; set; }
    public string? Format { get; set; }
    /// <summary>Null until the form is posted: a new form's box then follows the configured default.</summary>
    public bool? VerifyOwnership { get; set; }

    public static SubscriptionForm From(Subscription s)
    {
        var form = new SubscriptionForm
        {
            PartnerId = s.PartnerId,
            EventTypes = string.Join(", ", s.EventTypes),
            Description = s.Description,
            // Values are write-only; a masked value saved back keeps the stored one.
            Headers = UiFormat.HeaderLines(SubscriptionHeaders.Masked(s.Headers)),
            RateLimit = s.RateLimitPerSecond?.ToString(),
            Format = s.Format,
            VerifyOwnership = s.VerifyOwnership,
        };
        switch (s.Destination is null ? null : BrokerSettings.Parse(s.Destination))
        {
            case null: form.Url = s.Url; break;
            case RabbitMqSettings r: (form.DestinationType, form.Exchange, form.RoutingKey) = (r.Type, r.Exchange, r.RoutingKey); break;
            case SqsSettings q: (form.DestinationType, form.QueueUrl, form.Region, form.ServiceUrl) = (q.Type, q.QueueUrl, q.Region, q.ServiceUrl); break;
        }
        return form;
    }

    /// <summary>The parts the services take, and the errors of what could not even be read.</summary>
    public (string[] Filters, Dictionary<string, string> Headers, int? RateLimit, Dictionary<string, string[]> Errors) Read()
    {
        var errors = new Dictionary<string, string[]>();
        var headers = UiFormat.ParseHeaderLines(Headers, errors);
        int? rate = null;
        if (!string.IsNullOrWhiteSpace(RateLimit))
        {
            if (int.TryParse(RateLimit.Trim(), out var r)) rate = r;
            else errors["$.rateLimitPerSecond"] = ["The rate limit must be a whole number of deliveries per second, or blank for none."];
        }
        return (UiFormat.SplitList(EventTypes), headers, rate, errors);
    }

    public CreateSubscription ToCreate(string[] filters, Dictionary<string, string> headers, int? rate) =>
        new(PartnerId, DestinationType == DestinationRules.Http ? Url?.Trim() : null, filters,
            string.IsNullOrWhiteSpace(Description) ? null : Description.Trim(), headers, rate, Format, VerifyOwnership ?? false)
        { Destination = Destination() };

    /// <summary>A broker destination whose credentials are left blank, and whose other fields are as they were, stays as it is.</summary>
    public UpdateSubscription ToUpdate(string[] filters, Dictionary<string, string> headers, int? rate, Subscription current)
    {
        var unchanged = DestinationType != DestinationRules.Http && string.IsNullOrWhiteSpace(Connection)
            && string.IsNullOrWhiteSpace(AccessKeyId) && string.IsNullOrWhiteSpace(SecretAccessKey) && SameBrokerFields(From(current));
        return new(DestinationType == DestinationRules.Http ? Url?.Trim() : null, filters, Description?.Trim() ?? "", headers,
            Enabled: null, PausedDeliveries: null, Format, VerifyOwnership ?? false)
        { Destination = unchanged ? null : Destination(), RateLimitPerSecond = rate };
    }

    private bool SameBrokerFields(SubscriptionForm current) =>
        DestinationType == current.DestinationType && Blank(Exchange) == Blank(current.Exchange) && Blank(RoutingKey) == Blank(current.RoutingKey)
        && Blank(QueueUrl) == Blank(current.QueueUrl) && Blank(Region) == Blank(current.Region) && Blank(ServiceUrl) == Blank(current.ServiceUrl);

    private DestinationRequest? Destination() => DestinationType switch
    {
        DestinationRules.Http => null,
        RabbitMqSettings.Kind => new DestinationRequest(DestinationType, Connection: Blank(Connection), Exchange: Exchange?.Trim() ?? "", RoutingKey: RoutingKey?.Trim() ?? ""),
        _ => new DestinationRequest(DestinationType, QueueUrl: Blank(QueueUrl), Region: Blank(Region), AccessKeyId: Blank(AccessKeyId),
            SecretAccessKey: Blank(SecretAccessKey), ServiceUrl: Blank(ServiceUrl)),
    };

    private static string? Blank(string? text) => string.IsNullOrWhiteSpace(text) ? null : text.Trim();
}
