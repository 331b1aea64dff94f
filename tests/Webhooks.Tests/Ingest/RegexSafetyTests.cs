using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Ingest;

/// <summary>
/// Runs the app as its own process, as in production: what is measured is whether matches hold the
/// threads Kestrel serves other requests on, which an in-memory host sharing the tests' thread pool would blur.
/// </summary>
public sealed class RegexSafetyTests
{
    private const string Catastrophic = "^(a+)+$";

    private static JsonNode Schema() => new JsonObject
    {
        ["type"] = "object",
        ["properties"] = new JsonObject { ["s"] = new JsonObject { ["type"] = "string", ["pattern"] = Catastrophic } },
        ["patternProperties"] = new JsonObject { [Catastrophic] = new JsonObject { ["type"] = "integer" } },
        ["additionalProperties"] = false,
    };

    /// <summary>
    /// The issue measured /healthz at up to 8.6 s while 64 such requests ran. The machine these tests run on is
    /// shared and its load swings, so beside the 100 ms figure the test holds each measure against the same storm
    /// of ordinary values (the noise of the moment): the app's CPU time, which a match that runs away burns, and
    /// /healthz's answer times (their 90th percentile: one pause of a loaded machine is not the app's doing).
    /// </summary>
    [Fact]
    public async Task Concurrent_catastrophic_patterns_leave_the_health_check_answering_within_100_ms()
    {
        await using var app = await AppProcess.StartAsync(await TestPostgres.CreateDatabaseAsync());
        var admin = app.Client();
        var type = Api.UniqueName("regex");
        await admin.PostAsJsonAsync("/api/v1/event-types", new { name = type, schema = Schema() }).Expect(HttpStatusCode.Created);
        using var health = new HttpClient { BaseAddress = app.Address, Timeout = TimeSpan.FromSeconds(30) };
        await admin.PostAsJsonAsync("/api/v1/events", new { type, payload = new { s = "aaaa" } }).Expect(HttpStatusCode.Accepted);
        await health.GetAsync("/healthz").Expect(HttpStatusCode.OK);

        var ordinary = await Storm(app, admin, health, type, "b");
        var pathological = await Storm(app, admin, health, type, new string('a', 40) + "!");

        Assert.True(pathological.Cpu < ordinary.Cpu * 3 + TimeSpan.FromSeconds(1),
            $"the app spent {pathological.Cpu.TotalSeconds:F1} s of CPU on the pathological storm, {ordinary.Cpu.TotalSeconds:F1} s on the ordinary one");
        var allowed = Math.Max(100, 3 * ordinary.Health);
        Assert.True(pathological.Health < allowed,
            $"/healthz took {pathological.Health:F0} ms (90th percentile) during the pathological storm, {ordinary.Health:F0} ms during the ordinary one");
        // The patterns still work: a value that matches is accepted, one that does not is named.
        await admin.PostAsJsonAsync("/api/v1/events", new { type, payload = new JsonObject { ["s"] = "aaa", ["aa"] = 2 } }).Expect(HttpStatusCode.Accepted);
        var refused = await admin.PostAsJsonAsync("/api/v1/events", new { type, payload = new JsonObject { ["s"] = "ab", ["aa"] = "x" } })
            .Expect(HttpStatusCode.UnprocessableEntity);
        Assert.NotNull(refused["errors"]!["$.payload.s"]);
        Assert.NotNull(refused["errors"]!["$.payload.aa"]);
    }

    /// <summary>
    /// 64 senders post the value 3 times each, as a string the pattern checks and as a member name; /healthz is
    /// probed meanwhile. The app's CPU time, and the 90th percentile of the probes' answer times in ms.
    /// </summary>
    private static async Task<(TimeSpan Cpu, double Health)> Storm(AppProcess app, HttpClient admin, HttpClient health, string type, string value)
    {
        var cpuBefore = app.CpuTime;
        var storm = Task.WhenAll(Enumerable.Range(0, 64).Select(async _ =>
        {
            for (var i = 0; i < 3; i++)
            {
                var payload = new JsonObject { ["s"] = value, [value] = 1 };
                var response = await admin.PostAsJsonAsync("/api/v1/events", new { type, payload });
                Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
            }
        }));
        var latencies = new List<double>();
        while (!storm.IsCompleted || latencies.Count < 10)
        {
            var started = Stopwatch.GetTimestamp();
            (await health.GetAsync("/healthz")).EnsureSuccessStatusCode();
            latencies.Add(Stopwatch.GetElapsedTime(started).TotalMilliseconds);
        }
        await storm;
        latencies.Sort();
        return (app.CpuTime - cpuBefore, latencies[(int)Math.Ceiling(latencies.Count * 0.9) - 1]);
    }
}
