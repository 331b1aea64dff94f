using System.Net;
using System.Net.Http.Json;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Security;

/// <summary>Blocked address ranges cannot be reached in another spelling, ports are checked, and errors do not say what a name resolved to.</summary>
public sealed class DestinationTests(WebhooksApp app) : IClassFixture<WebhooksApp>
{
    private readonly HttpClient _admin = app.Client();

    [Theory]
    [InlineData("https://localhost./hook")]
    [InlineData("https://LOCALHOST./hook")]
    [InlineData("https://api.localhost./hook")]
    [InlineData("https://127.0.0.1./hook")]
    [InlineData("https://[::127.0.0.1]/hook")]          // IPv4-compatible
    [InlineData("https://[::a9fe:a9fe]/latest")]         // IPv4-compatible 169.254.169.254
    [InlineData("https://[::ffff:10.0.0.1]/hook")]       // IPv4-mapped
    [InlineData("https://[2002:7f00:1::1]/hook")]        // 6to4 of 127.0.0.1
    [InlineData("https://[2002:a9fe:a9fe::]/latest")]    // 6to4 of 169.254.169.254
    [InlineData("https://[2001:0:4136:e378:8000:63bf:80ff:fffe]/hook")] // Teredo, client 127.0.0.1
    [InlineData("https://[fec0::1]/hook")]               // site-local
    [InlineData("https://[feff::1]/hook")]
    [InlineData("https://example.com:0/hook")]
    public async Task A_blocked_destination_in_any_spelling_is_refused(string url)
    {
        var partner = await _admin.CreatePartner();
        var problem = await _admin.PostAsJsonAsync("/api/v1/subscriptions", new { partnerId = partner, url, eventTypes = new[] { "*" } })
            .Expect(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]!["$.url"]);
    }

    [Theory]
    [InlineData("https://[2002:0808:0808::1]/hook")]    // 6to4 of a public address
    [InlineData("https://example.com:8443/hook")]
    [InlineData("https://hooks.example.com./hook")]
    public async Task A_public_destination_is_accepted(string url)
    {
        var partner = await _admin.CreatePartner();
        await _admin.PostAsJsonAsync("/api/v1/subscriptions", new { partnerId = partner, url, eventTypes = new[] { "*" } }).Expect(HttpStatusCode.Created);
    }

    [Fact]
    public async Task When_ports_are_listed_only_those_are_allowed()
    {
        await using var limited = new ConfiguredApp(new Dictionary<string, string?>
        {
            ["Webhooks:Delivery:AllowedPorts:0"] = "443",
            ["Webhooks:Delivery:AllowedPorts:1"] = "8443",
        });
        await limited.InitializeAsync();
        var admin = limited.Client();
        var partner = await admin.CreatePartner();
        foreach (var url in new[] { "https://example.com/a", "https://example.com:8443/b" })
            await admin.PostAsJsonAsync("/api/v1/subscriptions", new { partnerId = partner, url, eventTypes = new[] { "*" } }).Expect(HttpStatusCode.Created);
        var refused = await admin.PostAsJsonAsync("/api/v1/subscriptions", new { partnerId = partner, url = "https://example.com:22/c", eventTypes = new[] { "*" } })
            .Expect(HttpStatusCode.BadRequest);
        Assert.Contains("443, 8443", (string)refused["errors"]!["$.url"]![0]!);
    }

    [Fact]
    public async Task A_name_that_resolves_to_a_blocked_address_fails_without_saying_which()
    {
        // This machine's own name resolves to loopback or a private address, which the test app does not allow.
        var host = Dns.GetHostName();
        var addresses = await Dns.GetHostAddressesAsync(host);
        Assert.NotEmpty(addresses);
        var type = await _admin.CreateEventType();
        var partner = await _admin.CreatePartner();
        var subscription = await _admin.CreateSubscription(partner, $"http://{host}:9/hook", type);

        var sent = await _admin.PostAsync($"/api/v1/subscriptions/{subscription["id"]}/test", null).Expect(HttpStatusCode.OK);

        Assert.Equal("blocked", (string)sent["attempt"]!["errorKind"]!);
        var error = (string)sent["attempt"]!["error"]!;
        Assert.Contains(host, error);
        foreach (var address in addresses) Assert.DoesNotContain(address.ToString(), error);
    }
}
