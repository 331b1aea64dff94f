using Webhooks.Subscriptions;

namespace Webhooks.Ui.Pages.Subscriptions;

/// <summary>A subscription as typed in the form: filters and headers as text, the rate limit as a number or blank.</summary>
public sealed class SubscriptionForm
{
    public Guid? PartnerId { get; set; }
    public string? Url { get; set; }
    public string? EventTypes { get; set; }
    public string? Description { get; set; }
    public string? Headers { get; set; }
    public string? RateLimit { get; set; }
    public string? Format { get; set; }
    /// <summary>Null until the form is posted: a new form's box then follows the configured default.</summary>
    public bool? VerifyOwnership { get; set; }

    public static SubscriptionForm From(Subscription s) => new()
    {
        PartnerId = s.PartnerId,
        Url = s.Url,
        EventTypes = string.Join(", ", s.EventTypes),
        Description = s.Description,
        // Values are write-only; a masked value saved back keeps the stored one.
        Headers = UiFormat.HeaderLines(SubscriptionHeaders.Masked(s.Headers)),
        RateLimit = s.RateLimitPerSecond?.ToString(),
        Format = s.Format,
        VerifyOwnership = s.VerifyOwnership,
    };

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
        new(PartnerId, Url?.Trim(), filters, string.IsNullOrWhiteSpace(Description) ? null : Description.Trim(), headers, rate,
            Format, VerifyOwnership ?? false);

    public UpdateSubscription ToUpdate(string[] filters, Dictionary<string, string> headers, int? rate) =>
        new(Url?.Trim(), filters, Description?.Trim() ?? "", headers, rate, Enabled: null, PausedDeliveries: null, Format, VerifyOwnership ?? false) { RemoveRateLimit = rate is null };
}
