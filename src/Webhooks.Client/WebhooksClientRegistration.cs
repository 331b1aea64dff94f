using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace Webhooks.Client;

public static class WebhooksClientRegistration
{
    /// <summary>Registers <see cref="WebhooksClient"/> as a typed client of the HttpClient factory, configured by <paramref name="configure"/>.</summary>
    public static IHttpClientBuilder AddWebhooksClient(this IServiceCollection services, Action<WebhooksClientOptions> configure)
    {
        services.AddOptions<WebhooksClientOptions>().Configure(configure)
            .Validate(o => o.BaseAddress is not null && o.ApiKey.Length > 0, "WebhooksClientOptions needs a BaseAddress and an ApiKey.");
        return services.AddHttpClient(nameof(WebhooksClient))
            .AddTypedClient((http, provider) => new WebhooksClient(http, provider.GetRequiredService<IOptions<WebhooksClientOptions>>().Value));
    }
}
