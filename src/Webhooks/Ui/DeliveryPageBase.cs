using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Webhooks.Auth;
using Webhooks.Data;
using Webhooks.Delivery;
using Webhooks.Partners;

namespace Webhooks.Ui;

/// <summary>
/// What the delivery list and the dead-letter page share: the filters, sort and page from the URL (read as text, so a
/// bad value is a 400 page, not an error) and the choices in the filter form.
/// </summary>
public abstract class DeliveryPageBase : ComponentBase
{
    [CascadingParameter] public HttpContext Http { get; set; } = default!;
    [Inject] public UiQueries Queries { get; set; } = default!;
    [Inject] public WebhooksDb Db { get; set; } = default!;

    [SupplyParameterFromQuery(Name = "status")] public string? StatusParam { get; set; }
    [SupplyParameterFromQuery(Name = "subscriptionId")] public string? SubscriptionParam { get; set; }
    [SupplyParameterFromQuery(Name = "partnerId")] public string? PartnerParam { get; set; }
    [SupplyParameterFromQuery(Name = "eventType")] public string? EventTypeParam { get; set; }
    [SupplyParameterFromQuery(Name = "eventId")] public string? EventIdParam { get; set; }
    [SupplyParameterFromQuery(Name = "statusCode")] public string? StatusCodeParam { get; set; }
    [SupplyParameterFromQuery(Name = "since")] public string? SinceParam { get; set; }
    [SupplyParameterFromQuery(Name = "until")] public string? UntilParam { get; set; }
    [SupplyParameterFromQuery(Name = "sort")] public string? SortParam { get; set; }
    [SupplyParameterFromQuery(Name = "after")] public string? AfterParam { get; set; }

    protected Caller Caller { get; private set; } = default!;
    protected QueryText Query { get; } = new();
    protected DeliverySearch Search { get; private set; } = new();
    protected string? Sort { get; private set; }
    protected Cursor? After { get; private set; }
    protected List<Partner> PartnerChoices { get; private set; } = [];
    protected List<(Guid Id, string Url)> SubscriptionChoices { get; private set; } = [];
    protected List<string> EventTypeChoices { get; private set; } = [];

    /// <summary>Reads the URL; on a bad value the page answers 400 (before anything is sent, so even a streamed page can).</summary>
    protected void ReadQuery(string? fixedStatus = null)
    {
        Caller = Http.Caller();
        Search = new DeliverySearch(
            fixedStatus ?? Query.OneOf(StatusParam, "status", DeliveryStatus.All),
            Query.Id(SubscriptionParam, "subscriptionId"),
            Query.Id(PartnerParam, "partnerId"),
            string.IsNullOrWhiteSpace(EventTypeParam) ? null : EventTypeParam.Trim(),
            Query.Int(StatusCodeParam, "statusCode", 0, 999),
            Query.Time(SinceParam, "since"),
            Query.Time(UntilParam, "until"),
            Query.Id(EventIdParam, "eventId"));
        Sort = Query.OneOf(SortParam, "sort", UiQueries.DeliverySorts);
        After = Query.Cursor(AfterParam);
        if (After is { Key: null } && Sort is "code" or "code-desc") Query.Add("after is not a page of this list; go back to the first page.");
        if (!Query.IsValid) UiResponse.Status(Http, 400);
    }

    protected async Task LoadFiltersAsync()
    {
        if (Caller.IsAdmin) PartnerChoices = await Queries.PartnersAsync();
        var subscriptions = Db.Subscriptions.AsNoTracking().Where(s => s.DeletedAt == null);
        if (!Caller.IsAdmin) subscriptions = subscriptions.Where(s => s.PartnerId == Caller.PartnerId);
        else if (Search.PartnerId is { } partner) subscriptions = subscriptions.Where(s => s.PartnerId == partner);
        SubscriptionChoices = (await subscriptions.OrderBy(s => s.Url).Take(200).Select(s => new { s.Id, s.Url }).ToListAsync())
            .Select(s => (s.Id, s.Url)).ToList();
        EventTypeChoices = await Queries.EventTypeNamesAsync();
    }
}
