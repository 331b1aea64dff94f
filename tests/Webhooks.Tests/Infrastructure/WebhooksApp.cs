using System.Net.Http.Headers;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace Webhooks.Tests.Infrastructure;

/// <summary>The app in memory over a database of its own, with a known admin key.</summary>
public class WebhooksApp : WebApplicationFactory<Program>, IAsyncLifetime
{
    public const string AdminKey = TestCredentials.AdminKey;
    public const string AdminPassword = TestCredentials.AdminPassword;

    /// <summary>The app's database: a new one, unless a subclass names one (a second instance over the same database).</summary>
    public string ConnectionString { get; protected set; } = "";

    /// <summary>Settings on top of appsettings.json; a test class overrides or adds to them.</summary>
    protected virtual Dictionary<string, string?> Settings => new()
    {
        ["Webhooks:Bootstrap:AdminApiKey"] = AdminKey,
        ["Webhooks:Bootstrap:AdminPassword"] = AdminPassword,
        ["Webhooks:Delivery:AllowHttp"] = "true",
        ["Webhooks:Workers:Enabled"] = "false",
        // Tests sign in many times a minute from one address; the throttle's own test sets a low limit.
        ["Webhooks:Ui:SignInAttemptsPerMinute"] = "1000",
    };

    public async Task InitializeAsync()
    {
        if (ConnectionString == "") ConnectionString = await TestPostgres.CreateDatabaseAsync();
        _ = Services; // start the host: migrations and bootstrap run now
    }

    /// <summary>Through the virtual DisposeAsync, so a subclass closes what talks to the app (a browser) before the app stops.</summary>
    Task IAsyncLifetime.DisposeAsync() => DisposeAsync().AsTask();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseContentRoot(RepositoryRoot);
        builder.UseSetting("ConnectionStrings:Webhooks", ConnectionString);
        foreach (var (key, value) in Settings) builder.UseSetting(key, value);
    }

    public HttpClient Client(string? apiKey = AdminKey)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        if (apiKey is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }

    public static string RepositoryRoot { get; } = FindRepositoryRoot();

    private static string FindRepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
            if (File.Exists(Path.Combine(dir.FullName, "Webhooks.sln"))) return dir.FullName;
        throw new InvalidOperationException("Webhooks.sln not found above " + AppContext.BaseDirectory);
    }
}
