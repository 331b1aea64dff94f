using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.Cookies;

namespace Webhooks.Auth;

public static class AuthSetup
{
    public const string AdminPolicy = "admin";
    public const string IngestPolicy = "ingest";
    public const string PartnerPolicy = "partner";
    private const string Selector = "ApiKeyOrCookie";

    /// <summary>API keys under /api, cookie sign-in everywhere else; policies by scope.</summary>
    public static void AddWebhooksAuth(this IHostApplicationBuilder builder)
    {
        builder.Services.AddMemoryCache();
        builder.Services.AddSingleton<Bootstrap>();
        builder.Services.AddScoped<ApiKeyService>();
        builder.Services.AddScoped<UiUsers>();
        builder.Services.AddAuthentication(Selector)
            .AddPolicyScheme(Selector, null, o => o.ForwardDefaultSelector = context =>
                context.Request.Path.StartsWithSegments("/api") ? ApiKeyAuthentication.SchemeName : CookieAuthenticationDefaults.AuthenticationScheme)
            .AddScheme<AuthenticationSchemeOptions, ApiKeyAuthentication>(ApiKeyAuthentication.SchemeName, null)
            .AddCookie(o =>
            {
                o.LoginPath = "/signin";
                o.LogoutPath = "/signout";
                o.AccessDeniedPath = "/denied";
                o.ExpireTimeSpan = TimeSpan.FromHours(8);
                o.SlidingExpiration = true;
                o.Cookie.Name = "webhooks.auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = SameSiteMode.Lax;
            });
        builder.Services.AddAuthorizationBuilder()
            .AddPolicy(AdminPolicy, p => p.RequireClaim(Caller.ScopeClaim, Scopes.Admin))
            .AddPolicy(IngestPolicy, p => p.RequireClaim(Caller.ScopeClaim, Scopes.Admin, Scopes.Ingest))
            .AddPolicy(PartnerPolicy, p => p.RequireClaim(Caller.ScopeClaim, Scopes.Admin, Scopes.Partner));
    }
}
