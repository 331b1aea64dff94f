namespace Webhooks.Client;

/// <summary>
/// The Webhooks API: <see cref="Events"/> to send, <see cref="Subscriptions"/> to manage endpoints and secrets,
/// <see cref="Deliveries"/> to follow and replay. A refused call throws <see cref="WebhooksProblemException"/>.
/// </summary>
public sealed class WebhooksClient : IDisposable
{
    private readonly HttpClient _http;
    private readonly HttpClient? _owned;

    /// <summary>A client with an <see cref="HttpClient"/> of its own (disposed with it).</summary>
    /// <param name="baseAddress">Where the service answers, e.g. <c>https://webhooks.example.com/</c>.</param>
    /// <param name="apiKey">An API key (<c>whk_...</c>) with the scopes the calls need.</param>
    public WebhooksClient(Uri baseAddress, string apiKey) : this(new HttpClient(), new WebhooksClientOptions { BaseAddress = baseAddress, ApiKey = apiKey }) =>
        _owned = _http;

    /// <summary>A client over an <see cref="HttpClient"/> the caller owns (one from IHttpClientFactory, say); its own settings are left alone.</summary>
    public WebhooksClient(HttpClient httpClient, WebhooksClientOptions options)
    {
        ArgumentNullException.ThrowIfNull(options.BaseAddress, nameof(options.BaseAddress));
        ArgumentException.ThrowIfNullOrEmpty(options.ApiKey, nameof(options.ApiKey));
        _http = httpClient;
        var api = new ApiConnection(httpClient, options.BaseAddress, options.ApiKey);
        Events = new EventsClient(api);
        Subscriptions = new SubscriptionsClient(api);
        Deliveries = new DeliveriesClient(api);
    }

    public EventsClient Events { get; }
    public SubscriptionsClient Subscriptions { get; }
    public DeliveriesClient Deliveries { get; }

    public void Dispose() => _owned?.Dispose();
}

public sealed class WebhooksClientOptions
{
    /// <summary>Where the service answers, e.g. <c>https://webhooks.example.com/</c>.</summary>
    public Uri? BaseAddress { get; set; }

    /// <summary>An API key (<c>whk_...</c>) with the scopes the calls need.</summary>
    public string ApiKey { get; set; } = "";
}
