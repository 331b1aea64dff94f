using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using AngleSharp.Html.Dom;
using Npgsql;
using Webhooks.Tests.Infrastructure;
using Webhooks.Tests.Ui;

namespace Webhooks.Tests.Security;

/// <summary>Custom header values are checked at registration and, like secrets, never shown back.</summary>
public sealed class SubscriptionHeaderTests(WebhooksApp app) : IClassFixture<WebhooksApp>
{
    private const string Credential = "Bearer s3cr3t-token";
    private readonly HttpClient _admin = app.Client();

    private Task<HttpResponseMessage> Create(Guid partner, Dictionary<string, string> headers) =>
        _admin.PostAsJsonAsync("/api/v1/subscriptions", new { partnerId = partner, url = "https://hooks.example.com/x", eventTypes = new[] { "*" }, headers });

    private async Task<string> StoredHeaders(string id)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT headers::text FROM subscriptions WHERE id = $1", connection) { Parameters = { new() { Value = Guid.Parse(id) } } };
        return (string)(await command.ExecuteScalarAsync())!;
    }

    [Theory]
    [InlineData("X-Name", "café")]
    [InlineData("X-Name", "a\u0001b")]
    [InlineData("X-Name", "a\u007fb")]
    [InlineData("X-Name", "line\nbreak")]
    [InlineData("Content-Encoding", "gzip")]
    [InlineData("Content-MD5", "Q2hlY2sgSW50ZWdyaXR5IQ==")]
    [InlineData("Content-Language", "en")]
    [InlineData("Expires", "0")]
    [InlineData("X-Näme", "x")]
    public async Task A_header_that_would_not_go_out_as_given_is_refused_at_registration(string name, string value)
    {
        var partner = await _admin.CreatePartner();
        var problem = await Create(partner, new() { [name] = value }).Expect(HttpStatusCode.BadRequest);
        Assert.Equal("urn:webhooks:problem:validation", (string)problem["type"]!);
        Assert.Single(problem["errors"]!.AsObject(), e => e.Key.StartsWith("$.headers."));
        var subscriptions = await _admin.GetAsync($"/api/v1/subscriptions?partnerId={partner}").Expect(HttpStatusCode.OK);
        Assert.Empty(subscriptions["data"]!.AsArray());
    }

    [Fact]
    public async Task Visible_ASCII_spaces_and_tabs_are_accepted()
    {
        var partner = await _admin.CreatePartner();
        await Create(partner, new() { ["Authorization"] = Credential, ["X-Tab"] = "a\tb", ["X-Signs"] = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~" })
            .Expect(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Header_values_are_write_only_and_a_masked_value_sent_back_keeps_the_stored_one()
    {
        var partner = await _admin.CreatePartner();
        var created = await Create(partner, new() { ["Authorization"] = Credential, ["X-Team"] = "blue" }).Expect(HttpStatusCode.Created);
        var id = (string)created["id"]!;
        Assert.Equal("[redacted]", (string)created["headers"]!["Authorization"]!);

        var read = await _admin.GetAsync($"/api/v1/subscriptions/{id}").Expect(HttpStatusCode.OK);
        Assert.Equal("[redacted]", (string)read["headers"]!["Authorization"]!);
        var list = await _admin.GetAsync($"/api/v1/subscriptions?partnerId={partner}").Expect(HttpStatusCode.OK);
        Assert.DoesNotContain("s3cr3t", list.ToJsonString());
        var partnerView = await app.Client(await _admin.CreatePartnerKey(partner)).GetAsync($"/api/v1/subscriptions/{id}").Expect(HttpStatusCode.OK);
        Assert.DoesNotContain("s3cr3t", partnerView.ToJsonString());

        // What a client read, sent back with one value changed: the masked one keeps its stored value.
        var headers = read["headers"]!.AsObject().DeepClone().AsObject();
        headers["X-Team"] = "green";
        var patched = await _admin.PatchAsJsonAsync($"/api/v1/subscriptions/{id}", new { headers }).Expect(HttpStatusCode.OK);
        Assert.DoesNotContain("s3cr3t", patched.ToJsonString());
        var stored = JsonNode.Parse(await StoredHeaders(id))!;
        Assert.Equal(Credential, (string)stored["Authorization"]!);
        Assert.Equal("green", (string)stored["X-Team"]!);

        var unknown = await _admin.PatchAsJsonAsync($"/api/v1/subscriptions/{id}", new { headers = new Dictionary<string, string> { ["X-New"] = "[redacted]" } }).Expect(HttpStatusCode.BadRequest);
        Assert.NotNull(unknown["errors"]!["$.headers.X-New"]);
        Assert.Equal(Credential, (string)JsonNode.Parse(await StoredHeaders(id))!["Authorization"]!);
    }

    [Fact]
    public async Task The_UI_shows_header_values_masked_and_saving_the_form_keeps_them()
    {
        var partner = await _admin.CreatePartner();
        var id = (string)(await Create(partner, new() { ["Authorization"] = Credential }).Expect(HttpStatusCode.Created))["id"]!;
        var browser = await Browser.SignedIn(app);

        var page = await browser.Open($"/subscriptions/{id}");
        Assert.DoesNotContain("s3cr3t", browser.LastHtml);
        Assert.Contains("Authorization: [redacted]", ((IHtmlTextAreaElement)page.QuerySelector("textarea#headers")!).Value);

        await browser.Submit(page, "edit-subscription", new() { ["Form.Description"] = "saved from the UI" });
        Assert.DoesNotContain("s3cr3t", browser.LastHtml);
        Assert.Equal(Credential, (string)JsonNode.Parse(await StoredHeaders(id))!["Authorization"]!);
    }
}
