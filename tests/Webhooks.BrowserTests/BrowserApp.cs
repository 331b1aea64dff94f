using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Playwright;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.BrowserTests;

/// <summary>
/// The app on a real port of 127.0.0.1 with delivery workers on and a short retry schedule, and Debian's
/// Chromium driven by Playwright (its own browser download does not work here).
/// </summary>
public sealed class BrowserApp : WebhooksApp, IAsyncLifetime
{
    private IPlaywright? _playwright;
    private readonly System.Collections.Concurrent.ConcurrentBag<IBrowserContext> _contexts = [];
    public IBrowser Browser { get; private set; } = default!;
    public string BaseUrl { get; private set; } = "";

    /// <summary>What the app logged, for failure messages that need the server's side of a step.</summary>
    public CapturedLogs Logs { get; } = new();

    public static string ScreenshotDirectory { get; } = Path.Combine(RepositoryRoot, "TestResults", "screenshots");

    private static readonly Regex SignInPage = new("/signin");

    public BrowserApp() => UseKestrel(0);

    // An assertion waits as long as an action does (15 s, below): Playwright's own 5 s for assertions was never a choice, and
    // on a loaded 2-core CI machine a form post that sends to an endpoint and commits twice can take longer. What the tests
    // check is that the page gets there, not how fast.
    static BrowserApp() => Assertions.SetDefaultExpectTimeout(15_000);

    /// <summary>Eight attempts a second apart (every entry of the schedule is overridden: configuration arrays merge by index).</summary>
    protected override Dictionary<string, string?> Settings => new Dictionary<string, string?>(base.Settings)
    {
        ["Webhooks:Workers:Enabled"] = "true",
        ["Webhooks:Delivery:AllowedNetworks:0"] = "127.0.0.0/8",
        ["Webhooks:Delivery:Timeout"] = "00:00:05",
        ["Webhooks:Ui:LiveRefresh"] = "00:00:01",
    }.Concat(Enumerable.Range(0, 7).Select(i => KeyValuePair.Create($"Webhooks:Delivery:RetrySchedule:{i}", (string?)"00:00:01"))).ToDictionary();

    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        base.ConfigureWebHost(builder);
        builder.ConfigureServices(s => s.AddSingleton<ILoggerProvider>(Logs));
    }

    public new async Task InitializeAsync()
    {
        await base.InitializeAsync();
        StartServer();
        BaseUrl = Services.GetRequiredService<IServer>().Features.GetRequiredFeature<IServerAddressesFeature>().Addresses
            .First().Replace("[::]", "127.0.0.1").Replace("localhost", "127.0.0.1").TrimEnd('/');
        Directory.CreateDirectory(ScreenshotDirectory);
        _playwright = await Playwright.CreateAsync();
        Browser = await _playwright.Chromium.LaunchAsync(new()
        {
            ExecutablePath = "/usr/bin/chromium",
            Headless = true,
            Args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update", "--disable-sync", "--no-first-run"],
        });
    }

    /// <summary>An API client over the real port (the in-memory client of the base class does not reach Kestrel).</summary>
    public new HttpClient Client(string? apiKey = AdminKey)
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        if (apiKey is not null) client.DefaultRequestHeaders.Authorization = new("Bearer", apiKey);
        return client;
    }

    public async Task<IPage> NewPage(string? baseUrl = null, bool javaScript = true)
    {
        var context = await Browser.NewContextAsync(new() { BaseURL = baseUrl ?? BaseUrl, ViewportSize = new() { Width = 1280, Height = 900 }, JavaScriptEnabled = javaScript });
        _contexts.Add(context);
        var page = await context.NewPageAsync();
        page.SetDefaultTimeout(15_000);
        return page;
    }

    /// <summary>
    /// Closes the pages opened so far. A page left open keeps its live views reading every second (and a cut-off one keeps
    /// its circuit for minutes), which every later test of the class would share the machine with.
    /// </summary>
    public async Task ClosePagesAsync()
    {
        while (_contexts.TryTake(out var context)) await context.CloseAsync();
    }

    public async Task<IPage> SignedIn(string username = "admin", string password = AdminPassword, string? baseUrl = null, bool javaScript = true)
    {
        var page = await NewPage(baseUrl, javaScript);
        await page.GotoAsync("/signin");
        await page.GetByLabel("User name").FillAsync(username);
        await page.GetByLabel("Password").FillAsync(password);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        // Signed in means the browser left /signin, so its URL is polled. WaitForURLAsync would also wait for the load event:
        // when the URL already matches it does, whatever WaitUntil says, and a document still arriving (held 20 s by a test
        // server) fails it although the page is shown. Clean-clone runs failed there twice, once with JavaScript off (stop 27).
        try { await Assertions.Expect(page).Not.ToHaveURLAsync(SignInPage); }
        catch (PlaywrightException) { await Screenshot(page, "failed-signin"); throw; }
        return page;
    }

    /// <summary>The Hangfire states an admin job went through, with their reasons and errors, newest first.</summary>
    public async Task<string> JobHistory(Guid adminJobId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var query = new Npgsql.NpgsqlCommand("SELECT hangfire_id FROM admin_jobs WHERE id = $1", connection) { Parameters = { new() { Value = adminJobId } } };
        var hangfireId = (string)(await query.ExecuteScalarAsync())!;
        var details = Services.GetRequiredService<Hangfire.JobStorage>().GetMonitoringApi().JobDetails(hangfireId);
        return details is null ? $"Hangfire has no job {hangfireId}" : string.Join("; ", details.History.Select(h =>
            $"{h.CreatedAt:HH:mm:ss.fff} {h.StateName} ({h.Reason}) {string.Join(", ", h.Data.Where(d => d.Key.StartsWith("Exception")).Select(d => $"{d.Key}={d.Value}"))}"));
    }

    /// <summary>One line per delivery of a subscription: its id, status, attempts, holder, lease and times.</summary>
    public async Task<string> Deliveries(Guid subscriptionId)
    {
        await using var connection = new Npgsql.NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        await using var query = new Npgsql.NpgsqlCommand("""
            SELECT id, status, attempt_count, locked_by, lease_until, created_at, updated_at FROM deliveries WHERE subscription_id = $1 ORDER BY id
            """, connection) { Parameters = { new() { Value = subscriptionId } } };
        await using var reader = await query.ExecuteReaderAsync();
        var lines = new List<string>();
        while (await reader.ReadAsync())
            lines.Add(string.Join(" ", Enumerable.Range(0, reader.FieldCount).Select(i => $"{reader.GetName(i)}={reader.GetValue(i)}")));
        return string.Join("\n  ", lines);
    }

    public static Task Screenshot(IPage page, string name) =>
        page.ScreenshotAsync(new() { Path = Path.Combine(ScreenshotDirectory, name + ".png"), FullPage = true });

    public override async ValueTask DisposeAsync()
    {
        if (Browser is not null) await Browser.DisposeAsync();
        _playwright?.Dispose();
        await base.DisposeAsync();
    }
}
