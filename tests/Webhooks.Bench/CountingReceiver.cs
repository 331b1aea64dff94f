using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Webhooks.Delivery;
using Webhooks.Subscriptions;

namespace Webhooks.Bench;

/// <summary>
/// A fast webhook receiver on 127.0.0.1: answers 204 at once, counts unique webhook-ids and repeats, and checks the
/// Standard Webhooks signature of the first request after each <see cref="Reset"/> (checking every one would slow the sender down).
/// </summary>
public sealed class CountingReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly byte[] _key;
    private ConcurrentDictionary<string, byte> _ids = new();
    private int _requests;
    private int _checked;

    private CountingReceiver(WebApplication app, byte[] key) => (_app, _key) = (app, key);

    public string Url { get; private set; } = "";
    public int Unique => _ids.Count;
    public int Requests => Volatile.Read(ref _requests);

    /// <summary>Null until a request was checked; then whether its signature verified.</summary>
    public bool? FirstSignatureValid { get; private set; }

    public void Reset()
    {
        _ids = new();
        _requests = 0;
        _checked = 0;
        FirstSignatureValid = null;
    }

    /// <param name="secret">The signing secret the sender uses (<c>whsec_</c> and base64).</param>
    public static async Task<CountingReceiver> StartAsync(string secret)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new CountingReceiver(app, SigningSecrets.Key(secret));
        app.MapPost("/hook", async (HttpContext context) =>
        {
            Interlocked.Increment(ref receiver._requests);
            var id = context.Request.Headers["webhook-id"].ToString();
            receiver._ids.TryAdd(id, 0);
            if (Interlocked.Exchange(ref receiver._checked, 1) == 0)
                receiver.FirstSignatureValid = await receiver.VerifiesAsync(context.Request, id);
            return Results.NoContent();
        });
        await app.StartAsync();
        receiver.Url = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First().TrimEnd('/') + "/hook";
        return receiver;
    }

    private async Task<bool> VerifiesAsync(HttpRequest request, string id)
    {
        using var body = new MemoryStream();
        await request.Body.CopyToAsync(body);
        if (!long.TryParse(request.Headers["webhook-timestamp"], out var timestamp)) return false;
        var expected = WebhookSigner.Signature(id, timestamp, body.ToArray(), _key);
        return request.Headers["webhook-signature"].ToString().Split(' ').Contains(expected);
    }

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
