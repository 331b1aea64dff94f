using Microsoft.Extensions.Options;
using Webhooks.Delivery;

namespace Webhooks.Retention;

public static class RetentionSetup
{
    public static void AddRetention(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<RetentionOptions>, RetentionOptionsValidator>();
        builder.Services.AddSingleton<RetentionPurge>();

        // Background work belongs to worker instances; API-only instances just serve requests.
        var workers = builder.Configuration.GetSection(WorkersOptions.Section).Get<WorkersOptions>() ?? new();
        var retention = builder.Configuration.GetSection(RetentionOptions.Section).Get<RetentionOptions>() ?? new();
        if (workers.Enabled && retention.Enabled)
            builder.Services.AddHostedService<RetentionService>();
    }
}
