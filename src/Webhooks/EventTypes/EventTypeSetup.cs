namespace Webhooks.EventTypes;

public static class EventTypeSetup
{
    public static void AddEventTypes(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<SchemaRegistry>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<SchemaRegistry>());
        builder.Services.AddScoped<EventTypeService>();
    }
}
