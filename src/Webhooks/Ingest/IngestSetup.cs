using Microsoft.Extensions.Options;

namespace Webhooks.Ingest;

public static class IngestSetup
{
    public static void AddIngest(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<IngestOptions>().BindConfiguration(IngestOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<IngestOptions>, IngestOptionsValidator>();
        builder.Services.AddSingleton<KnownPartners>();
        builder.Services.AddSingleton<EventIntake>();
        builder.Services.AddSingleton<CloudEventIntake>();
        builder.Services.AddSingleton<EventWriter>();
        builder.Services.AddHostedService(sp => sp.GetRequiredService<EventWriter>());
    }
}
