using System.Reflection;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Webhooks.Client.Receiving;

/// <summary>
/// A verified webhook from the Webhooks service, in any of its formats (Standard Webhooks, CloudEvents structured or binary):
/// <see cref="Id"/> is the <c>webhook-id</c> (the same on every attempt and replay: de-duplicate by it), <see cref="Type"/> and
/// <see cref="Timestamp"/> are the event's (a CloudEvent's <c>type</c> and <c>time</c>), <see cref="Data"/> its payload.
/// As a minimal API handler's parameter it is read from the request and verified with the secrets given to
/// <see cref="WebhookReceiverRegistration.AddWebhookReceiver"/>; a request that fails is answered 400 and the handler is not called.
/// </summary>
public sealed record Webhook<T>(string Id, string Type, DateTimeOffset Timestamp, T Data)
{
    public static async ValueTask<Webhook<T>?> BindAsync(HttpContext context, ParameterInfo parameter)
    {
        try
        {
            return await context.Request.ReadWebhookAsync<T>(context.RequestAborted).ConfigureAwait(false);
        }
        catch (Exception e) when (e is WebhookVerificationException or JsonException)
        {
            context.RequestServices.GetService<ILoggerFactory>()?.CreateLogger("Webhooks.Client.Receiving")
                .LogWarning("Refused a webhook on {Path}: {Reason}", context.Request.Path.Value, e.Message);
            return null;
        }
    }
}
