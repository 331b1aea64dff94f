using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Webhooks.Client.Receiving;

namespace Webhooks.Tests.Client;

public sealed record Order(string OrderId, decimal Amount);

/// <summary>
/// A partner's receiver as the client docs show it: Kestrel on 127.0.0.1, the subscription's secret given to
/// AddWebhookReceiver, and a handler that takes a verified <see cref="Webhook{T}"/>. It keeps what reached the handler.
/// </summary>
public sealed class VerifyingReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Webhook<Order>> _verified = new();

    private VerifyingReceiver(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";
    /// <summary>While true, the handler answers 500 after verifying (the delivery fails and is retried).</summary>
    public bool Failing { get; set; }
    public IReadOnlyList<Webhook<Order>> Verified => _verified.ToList();

    public static async Task<VerifyingReceiver> StartAsync(params string[] secrets)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        builder.Services.AddWebhookReceiver(o => o.Secrets.AddRange(secrets));
        var app = builder.Build();
        var receiver = new VerifyingReceiver(app);
        app.MapPost("/hook", (Webhook<Order> webhook) =>
        {
            if (receiver.Failing) return Results.StatusCode(500);
            receiver._verified.Enqueue(webhook);
            return Results.NoContent();
        });
        await app.StartAsync();
        receiver.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/hook";
        return receiver;
    }

    public async Task<IReadOnlyList<Webhook<Order>>> WaitFor(Func<IReadOnlyList<Webhook<Order>>, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            var verified = Verified;
            if (condition(verified)) return verified;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The receiver did not verify {what}; it verified {verified.Count} webhooks.");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
