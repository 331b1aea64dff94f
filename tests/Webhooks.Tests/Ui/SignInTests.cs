using System.Net;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Ui;

public sealed class SignInTests(WebhooksApp app) : IClassFixture<WebhooksApp>
{
    [Fact]
    public async Task Every_page_but_sign_in_sends_a_stranger_to_sign_in()
    {
        var browser = new Browser(app);
        foreach (var path in new[] { "/", "/subscriptions", "/dead-letters", "/partners", "/account" })
        {
            await browser.Open(path);
            Assert.Equal(HttpStatusCode.Redirect, browser.LastStatus);
            Assert.StartsWith("/signin?ReturnUrl=", browser.LastLocation);
        }
        var signIn = await browser.Open("/signin");
        Assert.Equal(HttpStatusCode.OK, browser.LastStatus);
        Assert.NotNull(signIn.QuerySelector("input[name=__RequestVerificationToken]"));
    }

    [Fact]
    public async Task The_bootstrap_admin_signs_in_and_out()
    {
        var browser = await Browser.SignedIn(app);
        var dashboard = await browser.Open("/");
        Assert.Equal(HttpStatusCode.OK, browser.LastStatus);
        Assert.Equal("Dashboard", dashboard.QuerySelector("h1")!.TextContent);

        var signedOut = await browser.Submit(dashboard, "form[action='/signout']");
        Assert.Contains("You are signed out", signedOut.Body!.TextContent);
        await browser.Open("/");
        Assert.Equal(HttpStatusCode.Redirect, browser.LastStatus);
    }

    [Fact]
    public async Task A_form_posted_without_its_antiforgery_token_is_refused()
    {
        var browser = new Browser(app);
        var response = await browser.PostRaw("/signin", new() { ["_handler"] = "signin", ["Form.Username"] = "admin", ["Form.Password"] = WebhooksApp.AdminPassword });
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Null(response.Headers.Location);
    }

    [Fact]
    public async Task Five_wrong_passwords_lock_the_user_out_even_with_the_right_one_after()
    {
        var admin = await Browser.SignedIn(app);
        var username = "locked-" + Guid.NewGuid().ToString("N")[..6];
        var page = await admin.Open("/admins");
        await admin.Submit(page, "add-admin", new() { ["Form.Username"] = username, ["Form.Password"] = "a-long-password-1" });

        var stranger = new Browser(app);
        for (var i = 0; i < 5; i++)
        {
            var signIn = await stranger.Open("/signin");
            var wrong = await stranger.Submit(signIn, "signin", new() { ["Form.Username"] = username, ["Form.Password"] = "wrong-password-" + i });
            Assert.NotEqual(HttpStatusCode.Redirect, stranger.LastStatus);
            if (i < 4) Assert.Contains("not right", wrong.Body!.TextContent);
        }
        var again = await stranger.Open("/signin");
        var locked = await stranger.Submit(again, "signin", new() { ["Form.Username"] = username, ["Form.Password"] = "a-long-password-1" });
        Assert.Equal(HttpStatusCode.TooManyRequests, stranger.LastStatus);
        Assert.Contains("locked", locked.Body!.TextContent);

        var admins = await admin.Open("/admins");
        var unlock = admins.QuerySelector($"button[aria-label='Unlock admin {username}']")!.Closest("form")!.QuerySelector("input[name=_handler]")!.GetAttribute("value")!;
        await admin.Submit(admins, unlock);
        await Browser.SignedIn(app, username, "a-long-password-1");
    }

    [Fact]
    public async Task Changing_the_password_ends_the_other_sessions_of_that_user()
    {
        var admin = await Browser.SignedIn(app);
        var username = "changer-" + Guid.NewGuid().ToString("N")[..6];
        await admin.Submit(await admin.Open("/admins"), "add-admin", new() { ["Form.Username"] = username, ["Form.Password"] = "first-password-1" });

        var first = await Browser.SignedIn(app, username, "first-password-1");
        var second = await Browser.SignedIn(app, username, "first-password-1");
        var changed = await first.Submit(await first.Open("/account"), "password",
            new() { ["Form.Current"] = "first-password-1", ["Form.Password"] = "second-password-2", ["Form.Repeat"] = "second-password-2" });
        Assert.Contains("Your password is changed", changed.Body!.TextContent);

        await first.Open("/account");
        Assert.Equal(HttpStatusCode.OK, first.LastStatus);
        await second.Open("/account");
        Assert.Equal(HttpStatusCode.Redirect, second.LastStatus);
        await Browser.SignedIn(app, username, "second-password-2");
    }
}
