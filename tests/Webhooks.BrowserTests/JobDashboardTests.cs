using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.BrowserTests;

/// <summary>Hangfire's dashboard at /hangfire in Chromium: admins only, and the recurring jobs are there.</summary>
public sealed class JobDashboardTests(BrowserApp app) : BrowserTestClass(app)
{
    private static readonly string[] RecurringJobs = ["Retention", "IdempotencyKeys", "SigningSecrets", "FailingSubscriptions"];

    [Fact]
    public async Task Someone_not_signed_in_is_sent_to_sign_in_and_comes_back_to_the_dashboard()
    {
        var page = await App.NewPage();
        await page.GotoAsync("/hangfire");
        Assert.Contains("/signin", page.Url);
        await page.GetByLabel("User name").FillAsync("admin");
        await page.GetByLabel("Password").FillAsync(WebhooksApp.AdminPassword);
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign in" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/hangfire"));
        await Assertions.Expect(page.Locator("body")).ToContainTextAsync("Webhooks · background jobs");
    }

    [Fact]
    public async Task An_admin_reaches_it_from_the_navigation_and_sees_every_recurring_job_with_its_next_run()
    {
        var page = await App.SignedIn();
        await page.GetByRole(AriaRole.Link, new() { Name = "Jobs", Exact = true }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("/hangfire"));
        await page.GotoAsync("/hangfire/recurring");
        foreach (var job in RecurringJobs)
            await Assertions.Expect(page.Locator("table tbody tr", new() { HasText = job })).ToBeVisibleAsync();
        await BrowserApp.Screenshot(page, "50-hangfire-recurring");
        // The link back to the app.
        await Assertions.Expect(page.Locator("a[href='/']").First).ToBeAttachedAsync();
    }

    [Fact]
    public async Task A_partner_user_is_shown_the_not_allowed_page_with_403()
    {
        var admin = await App.SignedIn();
        var partnerId = await App.Client().CreatePartner("Dash Co");
        var username = "dash-" + Guid.NewGuid().ToString("N")[..6];
        await admin.GotoAsync($"/partners/{partnerId}");
        await admin.GetByLabel("User name").FillAsync(username);
        await admin.GetByLabel("Password").FillAsync("dash-password-1");
        await admin.GetByRole(AriaRole.Button, new() { Name = "Add partner user" }).ClickAsync();
        await Assertions.Expect(admin.Locator(".notice")).ToContainTextAsync(username);

        var page = await App.SignedIn(username, "dash-password-1");
        await Assertions.Expect(page.GetByRole(AriaRole.Link, new() { Name = "Jobs", Exact = true })).ToHaveCountAsync(0);
        var response = await page.GotoAsync("/hangfire");
        Assert.Equal(403, response!.Status);
        Assert.Contains("/denied", page.Url);
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("You may not see that page");
    }
}
