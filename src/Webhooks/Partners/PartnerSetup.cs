namespace Webhooks.Partners;

public static class PartnerSetup
{
    public static void AddPartners(this IHostApplicationBuilder builder)
    {
        builder.Services.AddScoped<PartnerService>();
        builder.Services.AddScoped<PartnerDeletionJob>();
    }
}
