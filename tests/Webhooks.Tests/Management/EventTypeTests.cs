using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Management;

public sealed class EventTypeTests(WebhooksApp app) : IClassFixture<WebhooksApp>
{
    private readonly HttpClient _admin = app.Client();

    private Task<HttpResponseMessage> Register(string schemaJson, string? name = null) =>
        _admin.PostAsJsonAsync("/api/v1/event-types", new { name = name ?? Api.UniqueName("et"), schema = JsonNode.Parse(schemaJson) });

    [Fact]
    public async Task An_event_type_is_created_read_and_listed()
    {
        var name = Api.UniqueName("invoice");
        var created = await _admin.PostAsJsonAsync("/api/v1/event-types",
            new { name, description = "An invoice was issued", schema = Api.OrderSchema, example = new { orderId = "x", amount = 1 } }).Expect(HttpStatusCode.Created);
        Assert.Equal(name, (string)created["name"]!);
        Assert.Equal(1, (int)created["version"]!);

        var read = await _admin.GetAsync($"/api/v1/event-types/{name}").Expect(HttpStatusCode.OK);
        Assert.Equal("An invoice was issued", (string)read["description"]!);
        Assert.Equal("object", (string)read["schema"]!["type"]!);
        Assert.Single(read["versions"]!.AsArray());

        var list = await _admin.GetAsync("/api/v1/event-types?limit=500").Expect(HttpStatusCode.OK);
        Assert.Contains(list["data"]!.AsArray(), t => (string)t!["name"]! == name);
    }

    [Fact]
    public async Task A_new_schema_version_keeps_the_old_ones()
    {
        var name = await _admin.CreateEventType();
        var updated = await _admin.PutAsJsonAsync($"/api/v1/event-types/{name}", new { schema = JsonNode.Parse("""{"type":"object","required":["id"]}""") })
            .Expect(HttpStatusCode.OK);
        Assert.Equal(2, (int)updated["version"]!);
        var versions = updated["versions"]!.AsArray();
        Assert.Equal([2, 1], versions.Select(v => (int)v!["version"]!));
        Assert.Equal("orderId", (string)versions[1]!["schema"]!["required"]![0]!);
    }

    [Fact]
    public async Task Archiving_hides_the_type_from_the_list_and_keeps_it_readable()
    {
        var name = await _admin.CreateEventType();
        await _admin.DeleteAsync($"/api/v1/event-types/{name}").Expect(HttpStatusCode.NoContent);
        var read = await _admin.GetAsync($"/api/v1/event-types/{name}").Expect(HttpStatusCode.OK);
        Assert.True((bool)read["archived"]!);
        var list = await _admin.GetAsync("/api/v1/event-types?limit=500").Expect(HttpStatusCode.OK);
        Assert.DoesNotContain(list["data"]!.AsArray(), t => (string)t!["name"]! == name);
        await _admin.DeleteAsync("/api/v1/event-types/never.was").Expect(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_duplicate_name_is_409()
    {
        var name = await _admin.CreateEventType();
        var problem = await Register("""{"type":"object"}""", name).Expect(HttpStatusCode.Conflict);
        Assert.Equal("urn:webhooks:problem:conflict", (string)problem["type"]!);
    }

    [Theory]
    [InlineData("""{"$ref":"#"}""", "loop")]
    [InlineData("""{"anyOf":[{"type":"string"},{"$ref":"#"}]}""", "loop")]
    [InlineData("""{"definitions":{"a":{"$ref":"#/definitions/b"},"b":{"$ref":"#/definitions/a"}},"properties":{"x":{"$ref":"#/definitions/a"}}}""", "")]
    [InlineData("""{"$ref":"http://169.254.169.254/latest/meta-data"}""", "remote reference")]
    [InlineData("""{"properties":{"a":{"$ref":"https://example.com/schema.json"}}}""", "remote reference")]
    [InlineData("""{"properties":{"a":{"$ref":"file:///etc/passwd"}}}""", "")]
    [InlineData("""{"properties":{"a":{"$ref":"#/definitions/missing"}}}""", "")]
    [InlineData("""{"type":"strnig"}""", "does not support")]
    [InlineData("""{"type":42}""", "does not support")]
    [InlineData("""{"minimum":"abc"}""", "does not support")]
    [InlineData("""{"type":"object","requried":["a"]}""", "does not support")]
    [InlineData("""{"type":"string","pattern":"([a-"}""", "regular expression")]
    [InlineData("""{"type":"integer","minimum":-9223372036854775809}""", "too large")]
    [InlineData("""{"type":"string","maxLength":9223372036854775808}""", "too large")]
    public async Task A_schema_that_does_not_compile_is_422_and_stores_nothing(string schema, string reason)
    {
        var name = Api.UniqueName("bad");
        var problem = await Register(schema, name).Expect(HttpStatusCode.UnprocessableEntity);
        Assert.Equal("urn:webhooks:problem:invalid-schema", (string)problem["type"]!);
        Assert.Contains(reason, (string)problem["detail"]!);
        Assert.NotNull(problem["errors"]!["$.schema"]);
        await _admin.GetAsync($"/api/v1/event-types/{name}").Expect(HttpStatusCode.NotFound);
    }

    [Theory]
    [InlineData("""{"type":"string","pattern":"^(a)\\1$"}""")]
    [InlineData("""{"type":"string","pattern":"^(?=a)\\w+$"}""")]
    [InlineData("""{"type":"string","pattern":"(?<!x)y"}""")]
    [InlineData("""{"type":"string","pattern":"(?>a+)b"}""")]
    [InlineData("""{"type":"object","patternProperties":{"^(\\w)\\1":{}}}""")]
    [InlineData("""{"properties":{"a":{"items":{"pattern":"((a{100}){100}){100}"}}}}""")]
    public async Task A_pattern_that_cannot_run_in_linear_time_is_422_and_stores_nothing(string schema)
    {
        var name = Api.UniqueName("regex");
        var problem = await Register(schema, name).Expect(HttpStatusCode.UnprocessableEntity);
        Assert.Equal("urn:webhooks:problem:invalid-schema", (string)problem["type"]!);
        Assert.Contains("cannot be evaluated in linear time", (string)problem["errors"]!["$.schema"]![0]!);
        await _admin.GetAsync($"/api/v1/event-types/{name}").Expect(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_recursive_schema_that_descends_into_the_data_is_accepted()
    {
        var tree = """{"definitions":{"node":{"type":"object","properties":{"children":{"type":"array","items":{"$ref":"#/definitions/node"}}}}},"allOf":[{"$ref":"#/definitions/node"}]}""";
        await Register(tree).Expect(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Schemas_that_are_not_objects_and_examples_that_fail_are_422()
    {
        await _admin.PostAsJsonAsync("/api/v1/event-types", new { name = Api.UniqueName("x"), schema = new[] { 1, 2 } }).Expect(HttpStatusCode.UnprocessableEntity);
        await _admin.PostAsJsonAsync("/api/v1/event-types", new { name = Api.UniqueName("x") }).Expect(HttpStatusCode.UnprocessableEntity);
        var problem = await _admin.PostAsJsonAsync("/api/v1/event-types", new { name = Api.UniqueName("x"), schema = Api.OrderSchema, example = new { amount = "lots" } })
            .Expect(HttpStatusCode.UnprocessableEntity);
        Assert.Equal("urn:webhooks:problem:invalid-example", (string)problem["type"]!);
        Assert.NotNull(problem["errors"]!["$.example.orderId"]);
        Assert.NotNull(problem["errors"]!["$.example.amount"]);
    }

    [Theory]
    [InlineData("")]
    [InlineData("has space")]
    [InlineData("trailing.")]
    [InlineData("a..b")]
    public async Task A_bad_name_is_400(string name)
    {
        var problem = await _admin.PostAsJsonAsync("/api/v1/event-types", new { name, schema = new { type = "object" } }).Expect(HttpStatusCode.BadRequest);
        Assert.NotNull(problem["errors"]!["$.name"]);
    }

    [Fact]
    public async Task Only_admins_change_event_types_but_every_key_reads_them()
    {
        var name = await _admin.CreateEventType();
        var partner = app.Client(await _admin.CreatePartnerKey(await _admin.CreatePartner()));
        var producer = app.Client(await _admin.CreateKey("ingest"));
        await partner.GetAsync($"/api/v1/event-types/{name}").Expect(HttpStatusCode.OK);
        await producer.GetAsync("/api/v1/event-types").Expect(HttpStatusCode.OK);
        await partner.PostAsJsonAsync("/api/v1/event-types", new { name = Api.UniqueName("p"), schema = new { type = "object" } }).Expect(HttpStatusCode.Forbidden);
        await producer.DeleteAsync($"/api/v1/event-types/{name}").Expect(HttpStatusCode.Forbidden);
        await app.Client(apiKey: null).GetAsync("/api/v1/event-types").Expect(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Lists_page_with_an_opaque_cursor()
    {
        var prefix = "page" + Guid.NewGuid().ToString("N")[..6];
        foreach (var i in Enumerable.Range(0, 5)) await _admin.CreateEventType($"{prefix}.t{i}");
        var seen = new List<string>();
        string? cursor = null;
        do
        {
            var page = await _admin.GetAsync($"/api/v1/event-types?limit=2{(cursor is null ? "" : "&cursor=" + cursor)}").Expect(HttpStatusCode.OK);
            Assert.True(page["data"]!.AsArray().Count <= 2);
            seen.AddRange(page["data"]!.AsArray().Select(t => (string)t!["name"]!));
            cursor = (string?)page["nextCursor"];
        } while (cursor is not null);
        Assert.Equal(Enumerable.Range(0, 5).Select(i => $"{prefix}.t{i}"), seen.Where(n => n.StartsWith(prefix)));
        Assert.Equal(seen.Count, seen.Distinct().Count());

        await _admin.GetAsync("/api/v1/event-types?limit=501").Expect(HttpStatusCode.BadRequest);
        await _admin.GetAsync("/api/v1/event-types?limit=0").Expect(HttpStatusCode.BadRequest);
        await _admin.GetAsync("/api/v1/event-types?cursor=***").Expect(HttpStatusCode.BadRequest);
    }
}
