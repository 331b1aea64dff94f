using Webhooks.Jobs;
namespace Webhooks.Subscriptions;

public static class SubscriptionSetup
{
    public static void AddSubscriptions(this IHostApplicationBuilder builder)
    {
        builder.Services.AddSingleton<EndpointAddressGuard>();
        builder.Services.AddSingleton<SigningSecrets>();
        builder.Services.AddSingleton<IRecurringWork, SigningSecretsJob>();
        builder.Services.AddSingleton<DestinationCredentials>();
        builder.Services.AddSingleton<DestinationRules>();
        builder.Services.AddScoped<SubscriptionService>();
        builder.Services.AddScoped<SubscriptionDeletionJob>();
        builder.Services.AddSingleton<OwnershipHandshake>();
        builder.Services.AddScoped<OwnershipVerification>();
    }
}
