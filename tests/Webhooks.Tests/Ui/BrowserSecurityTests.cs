using System.Net;
using Microsoft.Extensions.DependencyInjection;
using System.Text.RegularExpressions;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Ui;

/// <summary>The browser side, attacked: headers, sessions after sign-out, parallel guessing, forged hosts.</summary>
public sealed class BrowserSecurityTests
{
    /// <summary>Only localhost may be the Host (sign-in throttling per address is set high for every test app, so the per-user lock-out is what these tests reach).</summary>
    public sealed class App : WebhooksApp
    {
        protected override Dictionary<string, string?> Settings => new(base.Settings) { ["AllowedHosts"] = "localhost" };
    }

    public sealed class Headers(App app) : IClassFixture<App>
    {
        [Fact]
        public async Task Every_UI_response_carries_the_content_security_policy_nosniff_and_referrer_policy()
        {
            var client = app.Client(apiKey: null);
            foreach (var path in new[] { "/signin", "/", "/no/such/page", "/app.css", "/app.js", "/_framework/blazor.web.js" })
            {
                var response = await client.GetAsync(path);
                var csp = string.Join(";", response.Headers.TryGetValues("Content-Security-Policy", out var v) ? v : []);
                Assert.True(csp.Contains("frame-ancestors 'none'"), $"{path}: CSP was '{csp}'");
                Assert.Contains("script-src 'self'", csp);
                Assert.DoesNotContain("unsafe-inline", csp);
                Assert.Equal("nosniff", response.Headers.GetValues("X-Content-Type-Options").Single());
                Assert.Equal("same-origin", response.Headers.GetValues("Referrer-Policy").Single());
            }
        }

        [Fact]
        public async Task The_page_loads_blazor_web_js_from_the_app_itself()
        {
            var html = await app.Client(apiKey: null).GetStringAsync("/signin");
            var src = Regex.Match(html, "<script src=\"(?<src>[^\"]*blazor\\.web[^\"]*\\.js)\"").Groups["src"].Value;
            Assert.StartsWith("_framework/blazor.web", src);
            var script = await app.Client(apiKey: null).GetAsync("/" + src);
            Assert.Equal(HttpStatusCode.OK, script.StatusCode);
            Assert.Contains("javascript", script.Content.Headers.ContentType!.MediaType);
            Assert.DoesNotContain("<script>", html); // no inline script: the policy would refuse it
        }

        [Fact]
        public async Task A_forged_Host_header_is_refused_and_redirects_never_name_the_host()
        {
            var client = app.Client(apiKey: null);
            var forged = new HttpRequestMessage(HttpMethod.Get, "/events");
            forged.Headers.Host = "evil.example";
            Assert.Equal(HttpStatusCode.BadRequest, (await client.SendAsync(forged)).StatusCode);

            var redirect = await client.GetAsync("/events");
            Assert.Equal(HttpStatusCode.Redirect, redirect.StatusCode);
            Assert.Equal("/signin?ReturnUrl=%2Fevents", redirect.Headers.Location!.OriginalString);
        }
    }

    public sealed class Sessions(App app) : IClassFixture<App>
    {
        [Fact]
        public async Task Signing_out_ends_the_session_on_the_server_so_a_copy_of_the_cookie_stops_working()
        {
            var session = await RawSession.SignInAsync(app, "admin", WebhooksApp.AdminPassword);
            var copy = session.AuthCookie;
            Assert.Equal(HttpStatusCode.OK, (await session.GetAsync("/account", copy)).StatusCode);

            await session.SignOutAsync();

            var replayed = await session.GetAsync("/account", copy);
            Assert.Equal(HttpStatusCode.Redirect, replayed.StatusCode);
            Assert.StartsWith("/signin", replayed.Headers.Location!.OriginalString);
        }

        [Fact]
        public async Task Sixty_parallel_guesses_at_one_user_get_no_more_password_checks_than_the_lock_out_allows()
        {
            var username = "target-" + Guid.NewGuid().ToString("N")[..6];
            var admin = await Browser.SignedIn(app);
            await admin.Submit(await admin.Open("/admins"), "add-admin", new() { ["Form.Username"] = username, ["Form.Password"] = "the-right-password-1" });
            var attacker = await RawSession.StartAsync(app);
            // Open the connections the burst will use first: on a busy machine, opening sixty at once can time out (a 503).
            var dataSource = app.Services.GetRequiredService<Npgsql.NpgsqlDataSource>();
            var warm = await Task.WhenAll(Enumerable.Range(0, 70).Select(_ => dataSource.OpenConnectionAsync().AsTask()));
            foreach (var connection in warm) await connection.DisposeAsync();

            var answers = await Task.WhenAll(Enumerable.Range(0, 60).Select(i => attacker.PostSignInAsync(username, "guess-" + i)));

            var checkedAndWrong = answers.Count(a => a.Status == HttpStatusCode.BadRequest && a.Body.Contains("not right"));
            var refusedUnchecked = answers.Count(a => a.Status == HttpStatusCode.TooManyRequests && a.Body.Contains("locked"));
            var seen = string.Join(", ", answers.GroupBy(a => $"{(int)a.Status} {System.Text.RegularExpressions.Regex.Match(a.Body, "role=\"alert\"><p>([^<]*)").Groups[1].Value}").Select(g => $"{g.Count()} x {g.Key}"));
            Assert.True(checkedAndWrong == Auth.UiUsers.MaxFailedSignIns, seen);
            Assert.True(refusedUnchecked == 60 - Auth.UiUsers.MaxFailedSignIns, seen);
            var right = await attacker.PostSignInAsync(username, "the-right-password-1");
            Assert.Equal(HttpStatusCode.TooManyRequests, right.Status);
        }
    }

    public sealed class Throttle(Throttle.SlowApp app) : IClassFixture<Throttle.SlowApp>
    {
        public sealed class SlowApp : WebhooksApp
        {
            protected override Dictionary<string, string?> Settings => new(base.Settings) { ["Webhooks:Ui:SignInAttemptsPerMinute"] = "3" };
        }

        [Fact]
        public async Task Many_failures_from_one_address_are_refused_before_any_password_is_checked()
        {
            var client = await RawSession.StartAsync(app);
            for (var i = 0; i < 3; i++)
                Assert.Equal(HttpStatusCode.BadRequest, (await client.PostSignInAsync("admin", "wrong-" + i)).Status);

            var refused = await client.PostSignInAsync("admin", WebhooksApp.AdminPassword);
            Assert.Equal(HttpStatusCode.TooManyRequests, refused.Status);
            Assert.Contains("Too many sign-in attempts from your network address", refused.Body);
            Assert.Equal("60", refused.RetryAfter);
            // The user itself is not locked: three wrong passwords are below its lock-out.
            await using var db = new Npgsql.NpgsqlConnection(app.ConnectionString);
            await db.OpenAsync();
            await using var command = new Npgsql.NpgsqlCommand("SELECT failed_sign_ins FROM ui_users WHERE username = 'admin'", db);
            Assert.Equal(3, (int)(await command.ExecuteScalarAsync())!);
        }
    }

    /// <summary>Sign-in by hand, keeping the cookies as text so a test can copy one.</summary>
    private sealed class RawSession
    {
        private readonly HttpClient _client;
        private string _antiforgeryCookie = "";
        private string _token = "";
        public string AuthCookie { get; private set; } = "";

        private RawSession(WebhooksApp app) => _client = app.Client(apiKey: null);

        public static async Task<RawSession> StartAsync(WebhooksApp app)
        {
            var session = new RawSession(app);
            var page = await session._client.GetAsync("/signin");
            session._antiforgeryCookie = Cookie(page, ".AspNetCore.Antiforgery")!;
            session._token = Token(await page.Content.ReadAsStringAsync());
            return session;
        }

        public static async Task<RawSession> SignInAsync(WebhooksApp app, string username, string password)
        {
            var session = await StartAsync(app);
            var answer = await session.PostSignInAsync(username, password);
            Assert.Equal(HttpStatusCode.Redirect, answer.Status);
            return session;
        }

        public async Task<(HttpStatusCode Status, string Body, string? RetryAfter)> PostSignInAsync(string username, string password)
        {
            var request = new HttpRequestMessage(HttpMethod.Post, "/signin")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string>
                {
                    ["_handler"] = "signin", ["__RequestVerificationToken"] = _token, ["Form.Username"] = username, ["Form.Password"] = password,
                }),
            };
            request.Headers.Add("Cookie", _antiforgeryCookie);
            var response = await _client.SendAsync(request);
            if (Cookie(response, "webhooks.auth") is { } auth) AuthCookie = auth;
            return (response.StatusCode, await response.Content.ReadAsStringAsync(), response.Headers.RetryAfter?.ToString());
        }

        public Task<HttpResponseMessage> GetAsync(string path, string authCookie)
        {
            var request = new HttpRequestMessage(HttpMethod.Get, path);
            request.Headers.Add("Cookie", $"{_antiforgeryCookie}; {authCookie}");
            return _client.SendAsync(request);
        }

        public async Task SignOutAsync()
        {
            var page = await GetAsync("/account", AuthCookie);
            var token = Token(await page.Content.ReadAsStringAsync());
            var request = new HttpRequestMessage(HttpMethod.Post, "/signout")
            {
                Content = new FormUrlEncodedContent(new Dictionary<string, string> { ["__RequestVerificationToken"] = token }),
            };
            request.Headers.Add("Cookie", $"{_antiforgeryCookie}; {AuthCookie}");
            var response = await _client.SendAsync(request);
            Assert.Equal(HttpStatusCode.Redirect, response.StatusCode);
            Assert.Equal("/signin?signedOut=true", response.Headers.Location!.OriginalString);
        }

        private static string? Cookie(HttpResponseMessage response, string prefix) =>
            response.Headers.TryGetValues("Set-Cookie", out var cookies)
                ? cookies.Select(c => c.Split(';')[0]).FirstOrDefault(c => c.StartsWith(prefix) && !c.EndsWith('='))
                : null;

        private static string Token(string html) =>
            Regex.Match(html, "name=\"__RequestVerificationToken\" type=\"hidden\" value=\"(?<v>[^\"]+)\"|name=\"__RequestVerificationToken\" value=\"(?<v>[^\"]+)\"").Groups["v"].Value
            is { Length: > 0 } token ? token : throw new InvalidOperationException("no antiforgery token in the page");
    }
}
