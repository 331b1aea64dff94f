using System.Net;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Microsoft.Playwright;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.BrowserTests;

/// <summary>Every page, as an admin and as a partner, in Chromium: each renders with a heading and no script error, and is saved as a screenshot.</summary>
public sealed class PageTourTests(BrowserApp app) : BrowserTestClass(app)
{
    [Fact]
    public async Task Every_page_renders_in_Chromium_for_an_admin_and_a_partner()
    {
        await using var receiver = await Receiver.StartAsync();
        receiver.Status = 200;
        var admin = App.Client();
        var type = await admin.CreateEventType("order.placed");
        var partnerId = await admin.CreatePartner("Acme Retail");
        await admin.CreatePartnerKey(partnerId);
        var subscription = await admin.CreateSubscription(partnerId, receiver.Url, type);
        var created = await admin.PostAsJsonAsync("/api/v1/events", new { type, payload = new { orderId = "o-1001", amount = 42.5, items = new[] { new { sku = "tea-01" } } } })
            .Expect(HttpStatusCode.Accepted);
        var eventId = (string)created["id"]!;

        var page = await App.NewPage();
        var errors = new List<string>();
        Watch(page, errors);
        await page.GotoAsync("/");
        Assert.Contains("/signin", page.Url);
        await BrowserApp.Screenshot(page, "01-signin");
        page = await App.SignedIn();
        Watch(page, errors);

        var partnerUser = "acme-" + Guid.NewGuid().ToString("N")[..4];
        await page.GotoAsync($"/partners/{partnerId}");
        await page.GetByLabel("User name").FillAsync(partnerUser);
        await page.GetByLabel("Password").FillAsync("acme-password-1");
        await page.GetByRole(AriaRole.Button, new() { Name = "Add partner user" }).ClickAsync();
        await Assertions.Expect(page.Locator(".notice")).ToContainTextAsync(partnerUser);

        var deliveryId = await FirstDelivery(page, eventId);
        var adminPages = new (string Name, string Path)[]
        {
            ("02-dashboard", "/"), ("03-event-types", "/event-types"), ("04-event-type-new", "/event-types/new"),
            ("05-event-type", $"/event-types/{type}"), ("06-partners", "/partners"), ("07-partner", $"/partners/{partnerId}"),
            ("08-subscriptions", "/subscriptions"), ("09-subscription-new", "/subscriptions/new"),
            ("10-subscription", $"/subscriptions/{(string)subscription["id"]!}"), ("11-events", "/events"), ("12-event", $"/events/{eventId}"),
            ("13-deliveries", "/deliveries"), ("14-delivery", $"/deliveries/{deliveryId}"), ("15-dead-letters", "/dead-letters"),
            ("16-admins", "/admins"), ("17-account", "/account"), ("18-not-found", $"/subscriptions/{Guid.NewGuid()}"),
            ("19-unknown-address", "/no/such/page"), ("19b-bad-query", "/deliveries?partnerId=not-an-id&sort=code"),
            ("19c-search-nothing", $"/search?q={Guid.NewGuid()}"), ("19d-deliveries-of-event", $"/deliveries?eventId={eventId}&sort=code-desc"),
            ("19e-subscriptions-by-failures", "/subscriptions?sort=failures"),
        };
        foreach (var (name, path) in adminPages)
        {
            await page.GotoAsync(path);
            await Assertions.Expect(page.Locator("h1")).ToBeVisibleAsync();
            await BrowserApp.Screenshot(page, name);
        }

        var partner = await App.SignedIn(partnerUser, "acme-password-1");
        Watch(partner, errors);
        foreach (var (name, path) in new[] { ("20-partner-subscriptions", "/"), ("21-partner-deliveries", "/deliveries"), ("22-partner-dead-letters", "/dead-letters"), ("23-partner-denied", "/partners") })
        {
            await partner.GotoAsync(path);
            await Assertions.Expect(partner.Locator("h1")).ToBeVisibleAsync();
            await BrowserApp.Screenshot(partner, name);
        }
        await Assertions.Expect(partner.Locator("h1")).ToHaveTextAsync("You may not see that page");
        Assert.Empty(errors);
    }

    [Fact]
    public async Task Sign_in_works_with_the_keyboard_alone()
    {
        var page = await App.NewPage();
        await page.GotoAsync("/signin");
        await Assertions.Expect(page.GetByLabel("User name")).ToBeFocusedAsync(); // autofocus is applied after load, at a rendering step
        await page.Keyboard.TypeAsync("admin");
        await page.Keyboard.PressAsync("Tab");
        await page.Keyboard.TypeAsync(BrowserApp.AdminPassword);
        await page.Keyboard.PressAsync("Enter");
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Dashboard");
        await page.Keyboard.PressAsync("Tab");
        await Assertions.Expect(page.Locator(".skip")).ToBeFocusedAsync();
    }

    [Fact]
    public async Task With_JavaScript_off_the_pages_still_work_and_the_dashboard_shows_its_figures()
    {
        var page = await App.SignedIn(javaScript: false);
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Dashboard");
        await Assertions.Expect(page.Locator("#live-dashboard .badge.live-off")).ToBeVisibleAsync();
        await Assertions.Expect(page.Locator(".tiles dt").First).ToContainTextAsync("Events per minute");
        await BrowserApp.Screenshot(page, "50-no-js-dashboard");

        await page.GotoAsync("/deliveries");
        await page.Locator("#status").SelectOptionAsync("dead");
        await page.GetByRole(AriaRole.Button, new() { Name = "Filter" }).ClickAsync();
        await Assertions.Expect(page).ToHaveURLAsync(new Regex("status=dead"));
        await Assertions.Expect(page.Locator("h1")).ToHaveTextAsync("Deliveries");
        await Assertions.Expect(page.Locator(".loading")).ToHaveCountAsync(0); // answered whole, not streamed
        await page.GotoAsync("/events?since=soon");
        await Assertions.Expect(page.Locator("#bad-query")).ToContainTextAsync("since");
        await BrowserApp.Screenshot(page, "51-no-js-bad-query");
        await page.GetByRole(AriaRole.Button, new() { Name = "Sign out" }).ClickAsync();
        await Assertions.Expect(page.Locator(".notice")).ToContainTextAsync("You are signed out");
    }

    /// <summary>Collects script errors, Content-Security-Policy refusals and any stylesheet or script that does not load (the 404 and 403 pages themselves are expected).</summary>
    private static void Watch(IPage page, List<string> errors)
    {
        page.PageError += (_, error) => errors.Add(error);
        page.Console += (_, message) =>
        {
            if (message.Text.Contains("Content Security Policy") || message.Text.Contains("Refused to")) errors.Add(message.Text);
        };
        page.Response += (_, response) =>
        {
            if (response.Request.ResourceType is "stylesheet" or "script" && response.Status >= 400) errors.Add($"{response.Url} answered {response.Status}");
        };
    }

    private static async Task<string> FirstDelivery(IPage page, string eventId)
    {
        await page.GotoAsync($"/events/{eventId}");
        var href = await page.Locator("tbody a[href^='/deliveries/']").First.GetAttributeAsync("href");
        return href!["/deliveries/".Length..];
    }
}
