using Microsoft.AspNetCore.Diagnostics;

namespace Webhooks.Ui;

/// <summary>
/// What the UI adds in front of the whole pipeline: the browser security headers on every response, and its own
/// status pages (the not-found page above all) for the addresses that belong to the UI rather than to the API.
/// </summary>
internal sealed class UiPipeline : IStartupFilter
{
    /// <summary>Scripts, styles, images and connections (the live views' WebSocket) only from the app itself; never in a frame.</summary>
    public const string ContentSecurityPolicy =
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; " +
        "object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

    public Action<IApplicationBuilder> Configure(Action<IApplicationBuilder> next) => app =>
    {
        app.Use((context, nextMiddleware) =>
        {
            context.Response.OnStarting(() =>
            {
                var headers = context.Response.Headers;
                headers.XContentTypeOptions = "nosniff";
                headers["Referrer-Policy"] = "same-origin";
                if (!HasOwnPolicy(context.Request.Path)) headers.ContentSecurityPolicy = ContentSecurityPolicy;
                return Task.CompletedTask;
            });
            return nextMiddleware(context);
        });
        app.UseWhen(context => IsUi(context.Request.Path), ui => ui.UseStatusCodePagesWithReExecute("/status/{0}"));
        next(app);
    };

    /// <summary>The pages of the UI: everything but the API, its reference, the job dashboard, the probes and the framework's files.</summary>
    public static bool IsUi(PathString path) =>
        !(path.StartsWithSegments("/api") || path.StartsWithSegments("/openapi") || path.StartsWithSegments("/api-docs")
          || path.StartsWithSegments("/hangfire") || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz")
          || path.StartsWithSegments("/_framework") || path.StartsWithSegments("/_blazor"));

    /// <summary>The API reference and the job dashboard come with inline scripts of their own and keep their own rules.</summary>
    private static bool HasOwnPolicy(PathString path) => path.StartsWithSegments("/api-docs") || path.StartsWithSegments("/hangfire");

    /// <summary>
    /// Runs inside the app's pipeline (after its own status code pages are set up): UI addresses are answered with
    /// the UI's pages, so the API's problem details are turned off for them.
    /// </summary>
    public static Task TurnOffApiStatusPages(HttpContext context, RequestDelegate next)
    {
        if (IsUi(context.Request.Path) && context.Features.Get<IStatusCodePagesFeature>() is { } pages) pages.Enabled = false;
        return next(context);
    }
}
