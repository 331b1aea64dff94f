using Microsoft.Extensions.Options;

namespace Webhooks.Delivery;

public static class DeliverySetup
{
    public static void AddDelivery(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<DeliveryOptions>().BindConfiguration(DeliveryOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<DeliveryOptions>, DeliveryOptionsValidator>();
    }
}
