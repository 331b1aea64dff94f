using Microsoft.AspNetCore.Antiforgery;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;
using Microsoft.AspNetCore.Hosting.StaticWebAssets;
using Webhooks.Auth;

namespace Webhooks.Ui;

public static class UiSetup
{
    /// <summary>The browser UI: Razor components rendered on the server, plain forms with antiforgery, no circuits.</summary>
    public static void AddUi(this IHostApplicationBuilder builder)
    {
        // blazor.web.js is a static web asset of the framework: published into wwwroot/_framework, and found through the
        // build's manifest when the app runs from its build output (dotnet run, the tests) in any environment.
        if (builder.Environment is IWebHostEnvironment web) StaticWebAssetsLoader.UseStaticWebAssets(web, builder.Configuration);
        builder.Services.AddRazorComponents();
        builder.Services.AddCascadingAuthenticationState();
        builder.Services.AddScoped<UiQueries>();
        builder.Services.AddScoped<DeadLetterActions>();
        builder.Services.Configure<CookieAuthenticationOptions>(CookieAuthenticationDefaults.AuthenticationScheme, o =>
            o.Events.OnValidatePrincipal = async context =>
            {
                // A removed user, or one whose password changed, is signed out of every session.
                var users = context.HttpContext.RequestServices.GetRequiredService<UiUsers>();
                if (context.Principal is null || !await users.IsCurrentAsync(context.Principal))
                {
                    context.RejectPrincipal();
                    await context.HttpContext.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
                }
            });
    }

    public static void MapUi(this WebApplication app)
    {
        app.MapPost("/signout", async (HttpContext context, IAntiforgery antiforgery) =>
        {
            if (!await antiforgery.IsRequestValidAsync(context)) return Results.BadRequest();
            await context.SignOutAsync(CookieAuthenticationDefaults.AuthenticationScheme);
            return Results.Redirect("/signin?signedOut=true");
        }).ExcludeFromDescription();
        app.MapStaticAssets();
        app.MapRazorComponents<App>();
    }
}
