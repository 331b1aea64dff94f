using System.Security.Claims;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Time.Testing;
using Npgsql;
using Webhooks.Auth;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.ComponentTests;

/// <summary>One app (real services over a real PostgreSQL database) for every component test; each test owns its rows.</summary>
[CollectionDefinition(nameof(AppCollection))]
public sealed class AppCollection : ICollectionFixture<WebhooksApp>;

/// <summary>
/// A component rendered by bunit with the app's real services behind it. Only what stands for the browser is a fake:
/// the navigation manager (the address bar), JavaScript interop, the clock that drives live refreshes.
/// </summary>
[Collection(nameof(AppCollection))]
public abstract class ComponentTest : BunitContext
{
    private readonly AsyncServiceScope _scope;

    protected ComponentTest(WebhooksApp app)
    {
        App = app;
        _scope = app.Services.CreateAsyncScope();
        Services.AddFallbackServiceProvider(_scope.ServiceProvider);
        Services.AddSingleton<TimeProvider>(Clock);
        JSInterop.Mode = JSRuntimeMode.Loose;
    }

    protected WebhooksApp App { get; }
    protected FakeTimeProvider Clock { get; } = new(DateTimeOffset.UtcNow);
    protected IServiceProvider AppServices => _scope.ServiceProvider;

    /// <summary>The request a server-rendered page sees: who is signed in, the query, the app's services.</summary>
    protected HttpContext Request(Caller? caller = null, string method = "GET")
    {
        var context = new DefaultHttpContext { RequestServices = _scope.ServiceProvider };
        context.Request.Method = method;
        context.User = caller is null ? new ClaimsPrincipal(new ClaimsIdentity()) : Principal(caller);
        return context;
    }

    protected static Caller Admin { get; } = new("admin", IsAdmin: true, CanIngest: true, PartnerId: null, ApiKeyId: null);

    protected static Caller PartnerUser(Guid partnerId) => new("partner-user", IsAdmin: false, CanIngest: false, partnerId, ApiKeyId: null);

    protected static ClaimsPrincipal Principal(Caller caller) =>
        new(Caller.Identity("Cookies", caller.Name, [caller.IsAdmin ? Scopes.Admin : Scopes.Partner], caller.PartnerId, apiKeyId: null));

    /// <summary>Puts the address in the (fake) address bar, as a browser that opened it would.</summary>
    protected void At(string relative) => Services.GetRequiredService<NavigationManager>().NavigateTo(relative);

    protected HttpClient Api => App.Client();

    protected async Task Sql(string sql, params object[] values)
    {
        await using var connection = new NpgsqlConnection(App.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values) command.Parameters.Add(new() { Value = value });
        await command.ExecuteNonQueryAsync();
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing) _scope.Dispose();
        base.Dispose(disposing);
    }
}
