using Microsoft.AspNetCore.Components;
using Microsoft.EntityFrameworkCore;
using Webhooks.Auth;
using Webhooks.Data;
using Webhooks.Partners;

namespace Webhooks.Ui;

/// <summary>What the delivery list and the dead-letter page share: the filters from the URL and the choices in the filter form.</summary>
public abstract class DeliveryPageBase : ComponentBase
{
    [CascadingParameter] public HttpContext Http { get; set; } = default!;
    [Inject] public UiQueries Queries { get; set; } = default!;
    [Inject] public WebhooksDb Db { get; set; } = default!;

    [SupplyParameterFromQuery(Name = "status")] public string? StatusParam { get; set; }
    [SupplyParameterFromQuery(Name = "subscriptionId")] public Guid? SubscriptionParam { get; set; }
    [SupplyParameterFromQuery(Name = "partnerId")] public Guid? PartnerParam { get; set; }
    [SupplyParameterFromQuery(Name = "eventType")] public string? EventTypeParam { get; set; }
    [SupplyParameterFromQuery(Name = "statusCode")] public int? StatusCodeParam { get; set; }
    [SupplyParameterFromQuery(Name = "since")] public string? SinceParam { get; set; }
    [SupplyParameterFromQuery(Name = "until")] public string? UntilParam { get; set; }
    [SupplyParameterFromQuery(Name = "after")] public Guid? After { get; set; }

    protected Caller Caller { get; private set; } = default!;
    protected DeliverySearch Search { get; private set; } = new();
    protected List<Partner> PartnerChoices { get; private set; } = [];
    protected List<(Guid Id, string Url)> SubscriptionChoices { get; private set; } = [];
    protected List<string> EventTypeChoices { get; private set; } = [];

    protected async Task LoadFiltersAsync(string? fixedStatus = null)
    {
        Caller = Http.Caller();
        Search = new DeliverySearch(
            fixedStatus ?? (string.IsNullOrEmpty(StatusParam) ? null : StatusParam),
            SubscriptionParam, PartnerParam, string.IsNullOrEmpty(EventTypeParam) ? null : EventTypeParam, StatusCodeParam,
            UiFormat.ParseTime(SinceParam), UiFormat.ParseTime(UntilParam));
        if (Caller.IsAdmin) PartnerChoices = await Queries.PartnersAsync();
        var subscriptions = Db.Subscriptions.AsNoTracking().Where(s => s.DeletedAt == null);
        if (!Caller.IsAdmin) subscriptions = subscriptions.Where(s => s.PartnerId == Caller.PartnerId);
        else if (PartnerParam is { } partner) subscriptions = subscriptions.Where(s => s.PartnerId == partner);
        SubscriptionChoices = (await subscriptions.OrderBy(s => s.Url).Take(200).Select(s => new { s.Id, s.Url }).ToListAsync())
            .Select(s => (s.Id, s.Url)).ToList();
        EventTypeChoices = await Queries.EventTypeNamesAsync();
    }
}
