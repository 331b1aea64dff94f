using Microsoft.AspNetCore.Diagnostics;
using Microsoft.Net.Http.Headers;

namespace Webhooks.Ui;

/// <summary>
/// What the UI adds in front of the whole pipeline: the browser security headers on every response, and its own
/// not-found page for the addresses that belong to the UI rather than to the API.
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
                // Redirects within the app are sent relative, so the Host header (which a client can forge) never names their target.
                MakeRelative(context, HeaderNames.Location);
                MakeRelative(context, "blazor-enhanced-nav-redirect-location");
                return Task.CompletedTask;
            });
            return nextMiddleware(context);
        });
        app.Use(ShowNotFoundPage);
        next(app);
    };

    /// <summary>
    /// A UI address that no page answers is shown the UI's not-found page (status 404): the request runs again as a
    /// GET of /not-found/address, in a service scope of its own, through routing and everything after it.
    /// </summary>
    private static async Task ShowNotFoundPage(HttpContext context, RequestDelegate next)
    {
        await next(context);
        var response = context.Response;
        if (response.StatusCode != 404 || response.HasStarted || !string.IsNullOrEmpty(response.ContentType)
            || context.GetEndpoint() is not null || !IsUi(context.Request.Path)) return;
        var (path, method, services) = (context.Request.Path, context.Request.Method, context.RequestServices);
        await using var scope = context.RequestServices.GetRequiredService<IServiceScopeFactory>().CreateAsyncScope();
        try
        {
            context.Request.Path = "/not-found/address";
            context.Request.Method = HttpMethods.Get;
            context.RequestServices = scope.ServiceProvider;
            context.SetEndpoint(null);
            context.Request.RouteValues.Clear();
            await next(context);
        }
        finally
        {
            (context.Request.Path, context.Request.Method, context.RequestServices) = (path, method, services);
        }
    }

    private static void MakeRelative(HttpContext context, string header)
    {
        var own = $"{context.Request.Scheme}://{context.Request.Host}/";
        var value = context.Response.Headers[header].ToString();
        if (value.StartsWith(own, StringComparison.OrdinalIgnoreCase)) context.Response.Headers[header] = value[(own.Length - 1)..];
    }

    /// <summary>The pages of the UI: everything but the API, its reference, the job dashboard, the probes and the framework's files.</summary>
    public static bool IsUi(PathString path) =>
        !(path.StartsWithSegments("/api") || path.StartsWithSegments("/openapi") || path.StartsWithSegments("/api-docs")
          || path.StartsWithSegments("/hangfire") || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz")
          || path.StartsWithSegments("/_framework") || path.StartsWithSegments("/_blazor"));

    /// <summary>The API reference and the job dashboard come with inline scripts of their own and keep their own rules.</summary>
    private static bool HasOwnPolicy(PathString path) => path.StartsWithSegments("/api-docs") || path.StartsWithSegments("/hangfire");

    /// <summary>
    /// Runs inside the app's pipeline (after its own status code pages are set up): a UI address that no page answers
    /// gets the UI's not-found page, so the API's problem details are turned off for it.
    /// </summary>
    public static Task TurnOffApiStatusPages(HttpContext context, RequestDelegate next)
    {
        if (context.GetEndpoint() is null && IsUi(context.Request.Path) && context.Features.Get<IStatusCodePagesFeature>() is { } pages) pages.Enabled = false;
        return next(context);
    }
}
