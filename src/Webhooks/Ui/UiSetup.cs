using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Hosting.StaticWebAssets;
using Microsoft.Extensions.Options;
using Webhooks.Auth;

namespace Webhooks.Ui;

public static class UiSetup
{
    /// <summary>
    /// The browser UI: Razor components rendered on the server with enhanced navigation and forms (blazor.web.js),
    /// and interactive Server islands for the live views. Sessions live in PostgreSQL.
    /// </summary>
    public static void AddUi(this IHostApplicationBuilder builder)
    {
        // blazor.web.js is a static web asset of the framework: published into wwwroot/_framework, and found through the
        // build's manifest when the app runs from its build output (dotnet run, the tests) in any environment.
        if (builder.Environment is IWebHostEnvironment web) StaticWebAssetsLoader.UseStaticWebAssets(web, builder.Configuration);
        builder.Services.AddOptions<UiOptions>().BindConfiguration(UiOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<UiOptions>, UiOptionsValidator>();
        builder.Services.AddRazorComponents().AddInteractiveServerComponents();
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddScoped<AuthenticationStateProvider, UiAuthenticationStateProvider>();
        builder.Services.AddScoped<UiQueries>();
        builder.Services.AddScoped<DeadLetterActions>();
        builder.Services.AddSingleton<Live.LiveReads>();
        builder.Services.AddSingleton<UiSessionStore>();
        builder.Services.AddSingleton<SignInThrottle>();
        builder.Services.AddTransient<IStartupFilter, UiPipeline>();
        builder.Services.AddOptions<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme).Configure<UiSessionStore>((o, sessions) =>
        {
            o.SessionStore = sessions;
            o.Events.OnValidatePrincipal = async context =>
            {
                // A removed user, or one whose password changed, is signed out of every session.
                var users = context.HttpContext.RequestServices.GetRequiredService<UiUsers>();
                if (context.Principal is null || !await users.IsCurrentAsync(context.Principal))
                {
                    context.RejectPrincipal();
                    await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
                }
            };
            // Relative redirects: the Host header (which a client can forge) never chooses where a browser is sent.
            o.Events.OnRedirectToLogin = context => RedirectWithinApp(context);
            o.Events.OnRedirectToAccessDenied = context => RedirectWithinApp(context);
        });
    }

    public static void MapUi(this WebApplication app)
    {
        app.Use(UiPipeline.TurnOffApiStatusPages);
        app.MapPost("/signout", async (HttpContext context, IAntiforgery antiforgery) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context)) return Results.BadRequest();
            // With the session store, this also deletes the session on the server: a copy of the cookie stops working.
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.Redirect("/signin?signedOut=true");
        }).ExcludeFromDescription();
        app.MapStaticAssets();
        app.MapRazorComponents<App>().AddInteractiveServerRenderMode();
    }

    private static Task RedirectWithinApp(RedirectContext<CookieAuthenticationOptions> context)
    {
        var target = new Uri(context.RedirectUri, UriKind.RelativeOrAbsolute);
        context.Response.Redirect(target.IsAbsoluteUri ? target.PathAndQuery : context.RedirectUri);
        return Task.CompletedTask;
    }
}
