using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Playwright;

namespace Webhooks.BrowserTests;

/// <summary>Stopping the app while an admin watches a live view (an open circuit that reconnects at once when closed).</summary>
public sealed class ShutdownTests
{
    [Fact]
    public async Task The_app_stops_at_once_with_a_live_view_open()
    {
        await using var app = new BrowserApp();
        await app.InitializeAsync();
        var page = await app.SignedIn();
        await page.GotoAsync("/");
        await Assertions.Expect(page.Locator("#live-dashboard .badge.live-on")).ToBeVisibleAsync(new() { Timeout = 60_000 });

        var clock = Stopwatch.StartNew();
        // The failure this guards against: a reconnected circuit holds Kestrel until the 30 s shutdown timeout, after
        // which the services still to stop get a cancelled token (Hangfire's server then throws).
        await app.Services.GetRequiredService<IHost>().StopAsync();
        Assert.True(clock.Elapsed < TimeSpan.FromSeconds(20), $"the app took {clock.Elapsed.TotalSeconds:F1} s to stop (the shutdown timeout is 30 s)");

        // The page says it lost the app, rather than showing a broken view.
        var banner = page.Locator("#components-reconnect-modal");
        await Assertions.Expect(banner).ToBeVisibleAsync(new() { Timeout = 30_000 });
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Dashboard");
    }
}
