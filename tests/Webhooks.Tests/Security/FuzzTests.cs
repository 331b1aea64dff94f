using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Webhooks.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Webhooks.Tests.Security;

/// <summary>
/// Thousands of malformed and hostile requests to every API endpoint (found from the app's own routes, so new
/// endpoints are fuzzed too). For each: no 5xx; an error is problem details whose type is documented (in
/// docs/ or the README); a refused request changed nothing in the database; and every 100 requests the app
/// still answers /healthz and accepts a valid event. The normal run tries <see cref="BoundedInputs"/> inputs;
/// <c>WEBHOOKS_FUZZ_INPUTS</c> asks for more and <c>WEBHOOKS_FUZZ_SEED</c> picks another sequence (docs/security.md).
/// </summary>
public sealed partial class FuzzTests(FuzzTests.FuzzApp app, ITestOutputHelper output) : IClassFixture<FuzzTests.FuzzApp>
{
    public const int BoundedInputs = 1500;

    /// <summary>
    /// The app with the key and test-send throttles out of the way (they have tests of their own), test sends
    /// allowed to a local receiver, and only the receiver's port allowed, so nothing is ever sent off this machine.
    /// </summary>
    public sealed class FuzzApp : LoopbackApp, IAsyncLifetime
    {
        public TestReceiver Receiver { get; private set; } = null!;

        protected override Dictionary<string, string?> Settings
        {
            get
            {
                var settings = base.Settings;
                settings["Webhooks:Limits:FailedKeyAttemptsPerMinute"] = "100000";
                settings["Webhooks:Limits:TestSendsPerMinute"] = "100000";
                settings["Webhooks:Delivery:AllowedPorts:0"] = new Uri(Receiver.Url).Port.ToString();
                settings["Logging:LogLevel:Default"] = "Warning";
                return settings;
            }
        }

        async Task IAsyncLifetime.InitializeAsync()
        {
            Receiver = await TestReceiver.StartAsync();
            await InitializeAsync();
        }

        async Task IAsyncLifetime.DisposeAsync()
        {
            await DisposeAsync();
            await Receiver.DisposeAsync();
        }
    }

    private sealed record Endpoint(string Method, string Pattern);

    /// <summary>Ids that exist, by what they are. Test sends go only to <see cref="Local"/>, the receiver on this machine.</summary>
    private sealed record World(string Type, Guid Partner, Guid OtherPartner, string PartnerKey, string IngestKey, Guid Local, Guid Patchable, Guid Event, Guid Delivery, Guid RevocableKey);

    [Fact]
    public async Task Hostile_inputs_to_every_endpoint_get_documented_problems_store_nothing_and_leave_the_app_healthy()
    {
        var inputs = int.TryParse(Environment.GetEnvironmentVariable("WEBHOOKS_FUZZ_INPUTS"), out var n) ? n : BoundedInputs;
        var seed = int.TryParse(Environment.GetEnvironmentVariable("WEBHOOKS_FUZZ_SEED"), out var s) ? s : 14;
        var documented = DocumentedProblemTypes();
        var endpoints = ApiEndpoints();
        Assert.True(endpoints.Count >= 20, $"only {endpoints.Count} API endpoints found");
        var hostile = new HostileInputs(seed);
        var client = app.CreateClient(new() { AllowAutoRedirect = false });
        var statuses = new SortedDictionary<int, int>();
        var started = Stopwatch.StartNew();
        var world = await CreateWorld();
        var before = await Fingerprint();

        for (var i = 0; i < inputs; i++)
        {
            if (i > 0 && i % 250 == 0)
            {
                world = await CreateWorld(); // the fuzzing deletes and archives what it finds
                before = await Fingerprint();
            }
            var endpoint = hostile.Pick(endpoints);
            using var request = Request(endpoint, world, hostile, out var body);
            var described = $"seed {seed}, input {i}: {request.Method} {request.RequestUri} [{string.Join("; ", request.Headers.Select(h => h.Key + ": " + Shorten(string.Join(", ", h.Value))))}] {Shorten(Encoding.UTF8.GetString(body))}";
            using var response = await client.SendAsync(request);
            var text = await response.Content.ReadAsStringAsync();
            var status = (int)response.StatusCode;
            statuses[status] = statuses.GetValueOrDefault(status) + 1;

            Assert.True(status < 500, $"{status} for {described}\n{Shorten(text)}");
            if (status >= 400)
            {
                Assert.True(response.Content.Headers.ContentType?.MediaType == "application/problem+json", $"{status} without problem details for {described}\n{Shorten(text)}");
                var type = (string?)JsonNode.Parse(text)?["type"];
                Assert.True(type is not null && documented.Contains(type), $"undocumented problem type {type} for {described}");
            }
            // Nothing else writes meanwhile (workers are off), so what the database holds now is the next input's "before".
            var after = await Fingerprint();
            Assert.True(status < 400 || after == before, $"{status}, yet the database changed, for {described}");
            before = after;
            if (i % 100 == 99)
            {
                await AssertHealthy(world);
                before = await Fingerprint();
            }
        }
        await AssertHealthy(world);
        output.WriteLine($"{inputs} inputs (seed {seed}) in {started.Elapsed.TotalSeconds:F0} s over {endpoints.Count} endpoints; statuses: {string.Join(", ", statuses.Select(p => $"{p.Key}×{p.Value}"))}");
    }

    private HttpRequestMessage Request(Endpoint endpoint, World world, HostileInputs hostile, out byte[] body)
    {
        var path = Parameter().Replace(endpoint.Pattern, m => RouteValue(endpoint, m.Groups[1].Value, world, hostile));
        if (endpoint.Method is "GET" or "DELETE") path += hostile.Query();
        var request = new HttpRequestMessage(new HttpMethod(endpoint.Method), path);
        body = endpoint.Method is "GET" or "DELETE" && hostile.Chance(0.9) ? [] : hostile.Body(SeedBody(endpoint, world));
        if (body.Length > 0 || endpoint.Method is "POST" or "PUT" or "PATCH")
        {
            request.Content = new ByteArrayContent(body);
            if (hostile.ContentType() is { } contentType) request.Content.Headers.TryAddWithoutValidation("Content-Type", contentType);
        }
        var key = hostile.Next(20) switch
        {
            < 13 => WebhooksApp.AdminKey,
            < 15 => world.PartnerKey,
            < 17 => world.IngestKey,
            17 => null,
            18 => "whk_" + Guid.NewGuid().ToString("N"),
            _ => hostile.Pick(["", " ", new string('k', 300), "whk_\u0001", "Bearer", "Basic YWRtaW46YWRtaW4="]),
        };
        if (key is not null) request.Headers.TryAddWithoutValidation("Authorization", key.StartsWith("Basic") ? key : "Bearer " + key);
        if (endpoint.Pattern.StartsWith("/api/v1/events") && endpoint.Method == "POST")
        {
            if (hostile.IdempotencyKey() is { } idempotency) request.Headers.TryAddWithoutValidation("Idempotency-Key", idempotency);
            if (hostile.Chance(0.05)) request.Headers.TryAddWithoutValidation("Idempotency-Key", ["one", "two"]);
        }
        return request;
    }

    private static string RouteValue(Endpoint endpoint, string parameter, World world, HostileInputs hostile)
    {
        if (hostile.Chance(0.15)) return Uri.EscapeDataString(hostile.Segment());
        var p = endpoint.Pattern;
        Guid[] ids = parameter switch
        {
            "name" => [],
            _ when p.StartsWith("/api/v1/subscriptions/{id:guid}/") => [world.Local],               // test sends and other actions: the local receiver only
            _ when p.StartsWith("/api/v1/subscriptions") && endpoint.Method == "PATCH" => [world.Patchable],
            _ when p.StartsWith("/api/v1/subscriptions") => [world.Local, world.Patchable],
            _ when p.StartsWith("/api/v1/partners") => [world.Partner, world.OtherPartner],
            _ when p.StartsWith("/api/v1/deliveries") => [world.Delivery],
            _ when p.StartsWith("/api/v1/events") => [world.Event],
            _ when p.StartsWith("/api/v1/api-keys") => [world.RevocableKey],
            _ => [],
        };
        if (parameter == "name") return hostile.Chance(0.8) ? world.Type : Api.UniqueName("fuzz");
        return ids.Length > 0 && hostile.Chance(0.8) ? hostile.Pick(ids).ToString() : Guid.NewGuid().ToString();
    }

    /// <summary>A valid body for the endpoint, which the fuzzer then spoils.</summary>
    private JsonNode? SeedBody(Endpoint endpoint, World world)
    {
        var payload = new JsonObject { ["orderId"] = "o-1", ["amount"] = 12.5, ["email"] = "a@example.com", ["code"] = "AB-1" };
        var url = app.Receiver.Url + "/fuzz";
        return (endpoint.Method, endpoint.Pattern) switch
        {
            ("POST", "/api/v1/events") => new JsonObject { ["type"] = world.Type, ["payload"] = payload, ["partnerId"] = world.Partner.ToString() },
            ("POST", "/api/v1/events/batch") => new JsonObject { ["events"] = new JsonArray(new JsonObject { ["type"] = world.Type, ["payload"] = payload.DeepClone() }, new JsonObject { ["type"] = world.Type, ["payload"] = payload.DeepClone() }) },
            ("POST", "/api/v1/event-types") => new JsonObject { ["name"] = Api.UniqueName("fuzz"), ["description"] = "d", ["schema"] = Schema(), ["example"] = payload },
            ("PUT", _) => new JsonObject { ["schema"] = Schema(), ["description"] = "d", ["example"] = payload },
            ("POST", "/api/v1/partners") => new JsonObject { ["name"] = "Fuzz" },
            ("POST", "/api/v1/api-keys") => new JsonObject { ["name"] = "fuzz", ["scopes"] = new JsonArray("ingest") },
            ("POST", _) when endpoint.Pattern.EndsWith("/api-keys") => new JsonObject { ["name"] = "fuzz" },
            ("POST", "/api/v1/subscriptions") => new JsonObject
            {
                ["partnerId"] = world.Partner.ToString(), ["url"] = url, ["eventTypes"] = new JsonArray(world.Type, "order.*"), ["description"] = "d",
                ["headers"] = new JsonObject { ["Authorization"] = "Bearer x" }, ["rateLimitPerSecond"] = 10,
            },
            ("PATCH", _) => new JsonObject
            {
                ["url"] = url, ["eventTypes"] = new JsonArray("*"), ["description"] = "d", ["headers"] = new JsonObject { ["X-A"] = "[redacted]" },
                ["rateLimitPerSecond"] = 5, ["enabled"] = true, ["pausedDeliveries"] = "discard",
            },
            ("POST", "/api/v1/deliveries/replay") => new JsonObject { ["subscriptionId"] = world.Local.ToString(), ["status"] = "succeeded", ["since"] = "2020-01-01T00:00:00Z" },
            ("POST", _) when endpoint.Pattern.EndsWith("/test") => new JsonObject { ["eventType"] = world.Type },
            _ => new JsonObject(),
        };
    }

    private static JsonObject Schema() => JsonNode.Parse("""
        {"type":"object","required":["orderId"],"additionalProperties":false,
         "properties":{"orderId":{"type":"string","maxLength":50},"amount":{"type":"number","minimum":0},
                       "email":{"type":"string","format":"email"},"code":{"type":"string","pattern":"^[A-Z]{2}-\\d+$"}},
         "patternProperties":{"^x-":{"type":"integer"}}}
        """)!.AsObject();

    private async Task<World> CreateWorld()
    {
        var admin = app.Client();
        var type = Api.UniqueName("fuzz");
        await admin.PostAsJsonAsync("/api/v1/event-types", new { name = type, schema = Schema(), example = new { orderId = "o-1" } }).Expect(HttpStatusCode.Created);
        var partner = await admin.CreatePartner("Fuzz partner");
        var other = await admin.CreatePartner("Other fuzz partner");
        var local = Guid.Parse((string)(await admin.CreateSubscription(partner, app.Receiver.Url, type))["id"]!);
        var patchable = Guid.Parse((string)(await admin.CreateSubscription(partner, app.Receiver.Url + "/patchable", type))["id"]!);
        var accepted = await admin.PostAsJsonAsync("/api/v1/events", new { type, payload = new { orderId = "o-1" } }).Expect(HttpStatusCode.Accepted);
        var sent = await admin.PostAsync($"/api/v1/subscriptions/{local}/test", null).Expect(HttpStatusCode.OK);
        var revocable = await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "revocable", scopes = new[] { "ingest" } }).Expect(HttpStatusCode.Created);
        return new World(type, partner, other, await admin.CreatePartnerKey(partner), await admin.CreateKey("ingest"), local, patchable,
            Guid.Parse((string)accepted["id"]!), Guid.Parse((string)sent["deliveryId"]!), Guid.Parse((string)revocable["id"]!));
    }

    private async Task AssertHealthy(World world)
    {
        var admin = app.Client();
        await admin.GetAsync("/healthz").Expect(HttpStatusCode.OK);
        var type = await admin.CreateEventType();
        await admin.PostAsJsonAsync("/api/v1/events", new { type, payload = new { orderId = "o-1", amount = 1 } }).Expect(HttpStatusCode.Accepted);
    }

    /// <summary>What the database holds: row counts of the growing tables, and a digest of the rows that requests change.</summary>
    private async Task<string> Fingerprint()
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            SELECT concat_ws(' | ',
                (SELECT count(*) FROM events), (SELECT count(*) FROM idempotency_keys), (SELECT count(*) FROM attempts), (SELECT count(*) FROM replays),
                (SELECT string_agg(status || ':' || n, ',' ORDER BY status) FROM (SELECT status, count(*) n FROM deliveries GROUP BY status) d),
                (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM event_types t),
                (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM event_type_versions t),
                (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM partners t),
                (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM api_keys t),
                (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM subscriptions t),
                (SELECT md5(coalesce(string_agg(t::text, ',' ORDER BY t::text), '')) FROM subscription_secrets t))
            """, connection);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Every route of the API, with the methods it takes.</summary>
    private List<Endpoint> ApiEndpoints() =>
        app.Services.GetRequiredService<EndpointDataSource>().Endpoints.OfType<RouteEndpoint>()
            .Where(e => e.RoutePattern.RawText is { } raw && (raw.StartsWith("/api/") || raw is "/healthz" or "/readyz"))
            .SelectMany(e => (e.Metadata.GetMetadata<HttpMethodMetadata>()?.HttpMethods ?? ["GET"]).Select(m => new Endpoint(m, e.RoutePattern.RawText!)))
            .Distinct().OrderBy(e => e.Pattern).ThenBy(e => e.Method).ToList();

    /// <summary>Every urn:webhooks:problem type named in docs/ or the README.</summary>
    private static HashSet<string> DocumentedProblemTypes()
    {
        var root = WebhooksApp.RepositoryRoot;
        var docs = Directory.Exists(Path.Combine(root, "docs")) ? Directory.GetFiles(Path.Combine(root, "docs"), "*.md") : [];
        return docs.Append(Path.Combine(root, "README.md"))
            .SelectMany(f => ProblemType().Matches(File.ReadAllText(f)).Select(m => m.Value)).ToHashSet();
    }

    private static string Shorten(string text) => text.Length <= 400 ? text : text[..400] + $"... ({text.Length} characters)";

    [GeneratedRegex(@"\{([A-Za-z]+)(:[^}]*)?\}")]
    private static partial Regex Parameter();

    [GeneratedRegex(@"urn:webhooks:problem:[a-z0-9-]+")]
    private static partial Regex ProblemType();
}
