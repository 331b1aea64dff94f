namespace Webhooks.Ui;

/// <summary>
/// Lets the app stop at once while live views are open. When it starts stopping, SignalR closes the circuits'
/// connections and blazor.web.js reconnects straight away; a reconnect that reaches Kestrel before it stops
/// listening is a new connection nothing closes, and Kestrel waits for it until the host's shutdown timeout
/// (30 s), delaying every background service's stop behind it. So once the app is stopping, circuit requests get a
/// 503 (the browser shows it is reconnecting and finds another instance), and any still open are aborted.
/// </summary>
public static class CircuitShutdown
{
    private const string CircuitPath = "/_blazor";

    public static void UseCircuitShutdown(this WebApplication app)
    {
        var stopping = app.Lifetime.ApplicationStopping;
        app.Use(async (context, next) =>
        {
            if (!context.Request.Path.StartsWithSegments(CircuitPath))
            {
                await next(context);
                return;
            }
            if (stopping.IsCancellationRequested)
            {
                context.Response.StatusCode = StatusCodes.Status503ServiceUnavailable;
                return;
            }
            await using var abortOnStop = stopping.Register(context.Abort);
            await next(context);
        });
    }
}
