using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace Webhooks.Client.Receiving;

public sealed class WebhookReceiverOptions
{
    /// <summary>The subscription's signing secrets (<c>whsec_...</c>): one, or the old and the new one while switching after a rotation.</summary>
    public List<string> Secrets { get; } = [];

    /// <summary>How far <c>webhook-timestamp</c> may be from now, either way.</summary>
    public TimeSpan Tolerance { get; set; } = WebhookVerifier.DefaultTolerance;

    /// <summary>The largest body read; a larger one is refused unread.</summary>
    public int MaxBodyBytes { get; set; } = 1024 * 1024;
}

public static class WebhookReceiverRegistration
{
    /// <summary>Verifies incoming webhooks with these secrets wherever a handler takes a <see cref="Webhook{T}"/> or calls <see cref="WebhookRequests.ReadWebhookAsync{T}(HttpRequest, CancellationToken)"/>.</summary>
    public static IServiceCollection AddWebhookReceiver(this IServiceCollection services, Action<WebhookReceiverOptions> configure)
    {
        services.AddOptions<WebhookReceiverOptions>().Configure(configure)
            .Validate(o => o.Secrets.Count > 0, "AddWebhookReceiver needs at least one signing secret.")
            .Validate(o => o.MaxBodyBytes > 0 && o.Tolerance > TimeSpan.Zero, "MaxBodyBytes and Tolerance must be positive.")
            .ValidateOnStart();
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(provider =>
        {
            var options = provider.GetRequiredService<IOptions<WebhookReceiverOptions>>().Value;
            return new WebhookVerifier(options.Secrets, options.Tolerance, provider.GetRequiredService<TimeProvider>());
        });
        return services;
    }
}

public static class WebhookRequests
{
    private sealed record Envelope<T>(string Type, DateTimeOffset Timestamp, T Data);

    /// <summary>A CloudEvent in the structured format: the event's attributes and its data in one JSON body.</summary>
    private sealed record CloudEvent<T>(string Type, DateTimeOffset Time, T Data);

    /// <summary>Reads, verifies (with the receiver registered by AddWebhookReceiver) and binds the webhook in this request.</summary>
    /// <exception cref="WebhookVerificationException">The request is not a genuine, fresh webhook.</exception>
    /// <exception cref="JsonException">It is genuine, but its body does not bind to <typeparamref name="T"/> (or its type or time is missing).</exception>
    public static Task<Webhook<T>> ReadWebhookAsync<T>(this HttpRequest request, CancellationToken cancellationToken = default)
    {
        var services = request.HttpContext.RequestServices;
        var verifier = services.GetService<WebhookVerifier>()
            ?? throw new InvalidOperationException("Call services.AddWebhookReceiver(...) first, or pass a WebhookVerifier.");
        return request.ReadWebhookAsync<T>(verifier, services.GetRequiredService<IOptions<WebhookReceiverOptions>>().Value.MaxBodyBytes, cancellationToken);
    }

    /// <summary>Reads, verifies with <paramref name="verifier"/> and binds the webhook in this request (for receivers with secrets of their own per endpoint).</summary>
    public static async Task<Webhook<T>> ReadWebhookAsync<T>(this HttpRequest request, WebhookVerifier verifier, int maxBodyBytes = 1024 * 1024, CancellationToken cancellationToken = default)
    {
        if (request.ContentLength > maxBodyBytes) throw new WebhookVerificationException($"The body is larger than {maxBodyBytes} bytes.");
        var body = await ReadBodyAsync(request.Body, maxBodyBytes, cancellationToken).ConfigureAwait(false);
        var headers = request.Headers;
        verifier.Verify(headers["webhook-id"], headers["webhook-timestamp"], headers["webhook-signature"], body.Span);

        var json = request.HttpContext.RequestServices.GetService<IOptions<JsonOptions>>()?.Value.SerializerOptions ?? new JsonSerializerOptions(JsonSerializerDefaults.Web);
        string id = headers["webhook-id"]!;
        // Each of the service's formats: CloudEvents binary (the attributes are ce-* headers, the body is the data),
        // CloudEvents structured, and the Standard Webhooks envelope.
        if (headers.ContainsKey("ce-specversion"))
        {
            var type = headers["ce-type"].ToString();
            if (type.Length == 0 || !DateTimeOffset.TryParse(headers["ce-time"], CultureInfo.InvariantCulture, DateTimeStyles.None, out var time))
                throw new JsonException("The CloudEvent's ce-type or ce-time header is missing.");
            return new Webhook<T>(id, type, time, JsonSerializer.Deserialize<T>(body.Span, json)!);
        }
        if (request.ContentType?.StartsWith("application/cloudevents+json", StringComparison.OrdinalIgnoreCase) == true)
        {
            var cloudEvent = JsonSerializer.Deserialize<CloudEvent<T>>(body.Span, json);
            if (cloudEvent?.Type is null || cloudEvent.Time == default) throw new JsonException("The CloudEvent's type or time is missing.");
            return new Webhook<T>(id, cloudEvent.Type, cloudEvent.Time, cloudEvent.Data);
        }
        var envelope = JsonSerializer.Deserialize<Envelope<T>>(body.Span, json) ?? throw new JsonException("The webhook's body is null.");
        return new Webhook<T>(id, envelope.Type, envelope.Timestamp, envelope.Data);
    }

    private static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(Stream body, int maxBytes, CancellationToken cancellationToken)
    {
        using var buffer = new MemoryStream();
        var chunk = new byte[16 * 1024];
        int read;
        while ((read = await body.ReadAsync(chunk, cancellationToken).ConfigureAwait(false)) > 0)
        {
            if (buffer.Length + read > maxBytes) throw new WebhookVerificationException($"The body is larger than {maxBytes} bytes.");
            buffer.Write(chunk, 0, read);
        }
        return buffer.ToArray();
    }
}
