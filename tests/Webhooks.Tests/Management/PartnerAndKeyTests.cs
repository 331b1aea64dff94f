using System.Net;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Text;
using Npgsql;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Management;

public sealed class PartnerAndKeyTests(WebhooksApp app) : IClassFixture<WebhooksApp>
{
    private readonly HttpClient _admin = app.Client();

    [Fact]
    public async Task A_partner_is_created_read_listed_and_deleted()
    {
        var id = await _admin.CreatePartner("Globex");
        var read = await _admin.GetAsync($"/api/v1/partners/{id}").Expect(HttpStatusCode.OK);
        Assert.Equal("Globex", (string)read["name"]!);
        var list = await _admin.GetAsync("/api/v1/partners?limit=500").Expect(HttpStatusCode.OK);
        Assert.Contains(list["data"]!.AsArray(), p => (string)p!["id"]! == id.ToString());

        await _admin.DeleteAsync($"/api/v1/partners/{id}").Expect(HttpStatusCode.Accepted);
        await _admin.GetAsync($"/api/v1/partners/{id}").Expect(HttpStatusCode.NotFound);
        await _admin.DeleteAsync($"/api/v1/partners/{id}").Expect(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_partner_needs_a_name()
    {
        var problem = await _admin.PostAsJsonAsync("/api/v1/partners", new { name = " " }).Expect(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]!["$.name"]);
    }

    [Fact]
    public async Task A_key_is_shown_once_and_stored_only_as_its_hash()
    {
        var partner = await _admin.CreatePartner();
        var created = await _admin.PostAsJsonAsync($"/api/v1/partners/{partner}/api-keys", new { name = "portal" }).Expect(HttpStatusCode.Created);
        var key = (string)created["key"]!;
        Assert.StartsWith("whk_", key);
        Assert.StartsWith((string)created["prefix"]!, key);
        Assert.Equal(["partner"], created["scopes"]!.AsArray().Select(s => (string)s!));

        var listed = await _admin.GetAsync($"/api/v1/partners/{partner}/api-keys").Expect(HttpStatusCode.OK);
        Assert.DoesNotContain(key, listed.ToJsonString());

        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT hash FROM api_keys WHERE id = $1", connection);
        command.Parameters.Add(new NpgsqlParameter { Value = Guid.Parse((string)created["id"]!) });
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(key)), (byte[])(await command.ExecuteScalarAsync())!);
        await using var anywhere = new NpgsqlCommand("SELECT count(*) FROM api_keys WHERE name LIKE '%' || $1 || '%' OR prefix = $1", connection);
        anywhere.Parameters.Add(new NpgsqlParameter { Value = key });
        Assert.Equal(0L, await anywhere.ExecuteScalarAsync());
    }

    [Fact]
    public async Task A_revoked_key_stops_working()
    {
        var created = await _admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "temp", scopes = new[] { "ingest" } }).Expect(HttpStatusCode.Created);
        var producer = app.Client((string)created["key"]!);
        await producer.GetAsync("/api/v1/event-types").Expect(HttpStatusCode.OK);
        await _admin.DeleteAsync($"/api/v1/api-keys/{created["id"]}").Expect(HttpStatusCode.NoContent);
        await producer.GetAsync("/api/v1/event-types").Expect(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Deleting_a_partner_revokes_its_keys()
    {
        var partner = await _admin.CreatePartner();
        var client = app.Client(await _admin.CreatePartnerKey(partner));
        await client.GetAsync("/api/v1/subscriptions").Expect(HttpStatusCode.OK);
        await _admin.DeleteAsync($"/api/v1/partners/{partner}").Expect(HttpStatusCode.Accepted);
        await client.GetAsync("/api/v1/subscriptions").Expect(HttpStatusCode.Unauthorized);
    }

    [Theory]
    [InlineData("partner")]
    [InlineData("superuser")]
    public async Task Admin_and_ingest_keys_take_only_those_scopes(string scope)
    {
        var problem = await _admin.PostAsJsonAsync("/api/v1/api-keys", new { scopes = new[] { scope } }).Expect(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]!["$.scopes"]);
    }

    [Fact]
    public async Task Missing_and_unknown_keys_are_401_with_problem_details()
    {
        var anonymous = await app.Client(apiKey: null).GetAsync("/api/v1/partners");
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("application/problem+json", anonymous.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.Unauthorized, (await app.Client("whk_not-a-key").GetAsync("/api/v1/partners")).StatusCode);
    }

    [Fact]
    public async Task Keys_without_the_admin_scope_cannot_manage_partners()
    {
        var partner = await _admin.CreatePartner();
        var partnerClient = app.Client(await _admin.CreatePartnerKey(partner));
        var producer = app.Client(await _admin.CreateKey("ingest"));
        await partnerClient.GetAsync("/api/v1/partners").Expect(HttpStatusCode.Forbidden);
        await producer.PostAsJsonAsync("/api/v1/partners", new { name = "x" }).Expect(HttpStatusCode.Forbidden);
        await partnerClient.PostAsJsonAsync($"/api/v1/partners/{partner}/api-keys", new { }).Expect(HttpStatusCode.Forbidden);
        // A partner reads itself, never another partner.
        await partnerClient.GetAsync($"/api/v1/partners/{partner}").Expect(HttpStatusCode.OK);
        await partnerClient.GetAsync($"/api/v1/partners/{await _admin.CreatePartner()}").Expect(HttpStatusCode.NotFound);
    }
}
