using System.Collections.Concurrent;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.Logging;

namespace Webhooks.Tests.Infrastructure;

/// <summary>One request the receiver got.</summary>
public sealed record Received(string Path, Dictionary<string, string> Headers, string Body, DateTimeOffset At)
{
    public string WebhookId => Headers["webhook-id"];
}

/// <summary>What the receiver answers; the default is 200.</summary>
public sealed record Answer(int Status = 200, string? Body = null, Dictionary<string, string>? Headers = null, TimeSpan Delay = default);

/// <summary>A real HTTP server on 127.0.0.1 that records every webhook and answers as the test says.</summary>
public sealed class TestReceiver : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ConcurrentQueue<Received> _received = new();
    private readonly ConcurrentQueue<Received> _handshakes = new();
    private int _inFlight;

    private TestReceiver(WebApplication app) => _app = app;

    public string Url { get; private set; } = "";
    public Func<Received, Answer> Respond { get; set; } = _ => new Answer();
    /// <summary>Requests wait for it to complete before they are answered and recorded: a test holds the receiver while it arranges a state.</summary>
    public Task Hold { get; set; } = Task.CompletedTask;
    public int MaxInFlight { get; private set; }
    public IReadOnlyList<Received> Requests => _received.ToList();

    /// <summary>How the receiver answers OPTIONS (the ownership handshake); the default is 405, as an endpoint that takes no part in it.</summary>
    public Func<Received, Answer> RespondToOptions { get; set; } = _ => new Answer(405);
    public IReadOnlyList<Received> Handshakes => _handshakes.ToList();

    public static async Task<TestReceiver> StartAsync(Func<Received, Answer>? respond = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Logging.ClearProviders();
        var app = builder.Build();
        var receiver = new TestReceiver(app);
        if (respond is not null) receiver.Respond = respond;
        app.MapPost("/{**path}", receiver.HandleAsync);
        app.MapMethods("/{**path}", ["OPTIONS"], receiver.HandleOptionsAsync);
        await app.StartAsync();
        var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
        receiver.Url = address.TrimEnd('/') + "/hook";
        return receiver;
    }

    private async Task HandleAsync(HttpContext context)
    {
        var inFlight = Interlocked.Increment(ref _inFlight);
        lock (_received) MaxInFlight = Math.Max(MaxInFlight, inFlight);
        try
        {
            using var reader = new StreamReader(context.Request.Body);
            var body = await reader.ReadToEndAsync();
            var headers = context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString());
            var received = new Received(context.Request.Path, headers, body, DateTimeOffset.UtcNow);
            var answer = Respond(received);
            try
            {
                await Hold.WaitAsync(context.RequestAborted);
                if (answer.Delay > TimeSpan.Zero) await Task.Delay(answer.Delay, context.RequestAborted);
            }
            catch (OperationCanceledException) { return; }
            _received.Enqueue(received);
            context.Response.StatusCode = answer.Status;
            foreach (var (name, value) in answer.Headers ?? []) context.Response.Headers[name] = value;
            if (answer.Body is not null) await context.Response.WriteAsync(answer.Body);
        }
        finally
        {
            Interlocked.Decrement(ref _inFlight);
        }
    }

    private async Task HandleOptionsAsync(HttpContext context)
    {
        var received = new Received(context.Request.Path, context.Request.Headers.ToDictionary(h => h.Key.ToLowerInvariant(), h => h.Value.ToString()), "", DateTimeOffset.UtcNow);
        _handshakes.Enqueue(received);
        var answer = RespondToOptions(received);
        if (answer.Delay > TimeSpan.Zero)
        {
            try { await Task.Delay(answer.Delay, context.RequestAborted); }
            catch (OperationCanceledException) { return; }
        }
        context.Response.StatusCode = answer.Status;
        foreach (var (name, value) in answer.Headers ?? []) context.Response.Headers[name] = value;
        if (answer.Body is not null) await context.Response.WriteAsync(answer.Body);
    }

    /// <summary>Waits until the requests received satisfy the condition; fails the test after the timeout.</summary>
    public async Task<IReadOnlyList<Received>> WaitFor(Func<IReadOnlyList<Received>, bool> condition, TimeSpan? timeout = null, string what = "the expected requests")
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (true)
        {
            var requests = Requests;
            if (condition(requests)) return requests;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The receiver did not get {what}; it got {requests.Count} requests.");
            await Task.Delay(50);
        }
    }

    public Task<IReadOnlyList<Received>> WaitForCount(int count, TimeSpan? timeout = null) =>
        WaitFor(r => r.Count >= count, timeout, $"{count} requests");

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
