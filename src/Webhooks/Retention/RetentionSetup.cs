using Microsoft.Extensions.Options;
using Webhooks.Jobs;

namespace Webhooks.Retention;

public static class RetentionSetup
{
    public static void AddRetention(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<RetentionOptions>().BindConfiguration(RetentionOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<RetentionOptions>, RetentionOptionsValidator>();
        builder.Services.AddSingleton<RetentionPurge>();
        if (builder.Configuration.GetValue($"{RetentionOptions.Section}:Enabled", true))
        {
            builder.Services.AddSingleton<IRecurringWork, RetentionJob>();
            builder.Services.AddSingleton<IRecurringWork, IdempotencyKeysJob>();
        }
    }
}
