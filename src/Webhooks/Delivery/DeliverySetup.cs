using Microsoft.Extensions.Options;
using Webhooks.DeadLetters;
using Webhooks.Delivery.Destinations;
using Webhooks.Delivery.Formats;
using Webhooks.Jobs;

namespace Webhooks.Delivery;

public static class DeliverySetup
{
    public static void AddDelivery(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DeliveryOptions>().BindConfiguration(DeliveryOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<DeliveryOptions>, DeliveryOptionsValidator>();
        builder.Services.AddSingleton<IPostConfigureOptions<DeliveryOptions>, DeliveryOptionsLists>();
        builder.Services.AddOptions<WorkerOptions>().BindConfiguration(WorkerOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<WorkerOptions>, WorkerOptionsValidator>();
        builder.Services.AddOptions<CloudEventOptions>().BindConfiguration(CloudEventOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<CloudEventOptions>, CloudEventOptionsValidator>();

        builder.Services.AddSingleton<DeliveryQueue>();
        builder.Services.AddSingleton<IRecurringWork, FailingSubscriptionsJob>();
        builder.Services.AddSingleton<HttpDestination>();
        builder.Services.AddSingleton<IDestination>(sp => sp.GetRequiredService<HttpDestination>());
        builder.Services.AddSingleton<IDestination, RabbitMqDestination>();
        builder.Services.AddSingleton<IDestination, SqsDestination>();
        builder.Services.AddSingleton<DeliverySender>();
        builder.Services.AddSingleton<RetryPolicy>();
        builder.Services.AddSingleton<EndpointGates>();
        builder.Services.AddSingleton<SecretCache>();
        builder.Services.AddSingleton<SubscriptionDisabler>();
        builder.Services.AddSingleton<CompletionWriter>();
        builder.Services.AddSingleton<DeliveryWakeup>();
        builder.Services.AddSingleton<DeliveryWorker>();
        builder.Services.AddScoped<ReplayService>();
        builder.Services.AddScoped<BulkReplayJob>();
        builder.Services.AddScoped<UnsentDeliveries>();
        builder.Services.AddScoped<TestDelivery>();

        if (builder.Configuration.GetValue($"{WorkerOptions.Section}:Enabled", true))
        {
            builder.Services.AddHostedService(sp => sp.GetRequiredService<DeliveryWorker>());
            builder.Services.AddHostedService<DeliveryNotifications>();
        }
    }
}
