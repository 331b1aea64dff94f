using Microsoft.Extensions.Options;

namespace Webhooks.Retention;

public static class RetentionSetup
{
    public static void AddRetention(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<RetentionOptions>, RetentionOptionsValidator>();
        builder.Services.AddSingleton<RetentionPurge>();

        // Background work belongs to worker instances; API-only instances just serve requests.
        if (builder.Configuration.GetValue("Webhooks:Workers:Enabled", true) &&
            builder.Configuration.GetValue($"{RetentionOptions.Section}:Enabled", true))
            builder.Services.AddHostedService<RetentionService>();
    }
}
