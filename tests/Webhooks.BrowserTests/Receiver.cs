using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;

namespace Webhooks.BrowserTests;

/// <summary>A webhook receiver on 127.0.0.1:0 whose answer the test switches; it keeps the webhook-id of every request.</summary>
public sealed class Receiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    public volatile int Status = 500;
    public ConcurrentQueue<(string WebhookId, int Answered)> Received { get; } = new();
    public string Url { get; }

    private Receiver(WebApplication app, string url) => (_app, Url) = (app, url);

    public static async Task<Receiver> StartAsync()
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        var app = builder.Build();
        Receiver? receiver = null;
        app.MapPost("/{**path}", (HttpContext context) =>
        {
            var status = receiver!.Status;
            receiver.Received.Enqueue((context.Request.Headers["webhook-id"].ToString(), status));
            return Results.Text(status == 200 ? "thanks" : "receiver is down for maintenance", statusCode: status);
        });
        await app.StartAsync();
        receiver = new Receiver(app, app.Urls.First() + "/hooks");
        return receiver;
    }

    public async ValueTask DisposeAsync() => await _app.DisposeAsync();
}
