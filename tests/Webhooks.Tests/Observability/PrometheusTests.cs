using System.Globalization;
using System.Net;
using System.Net.Http.Json;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Observability;

public sealed class PrometheusTests
{
    private static readonly TimeSpan Patience = TimeSpan.FromSeconds(30);

    private static async Task<(PrometheusScrape Scrape, HttpResponseMessage Response)> ScrapeAsync(int port)
    {
        using var client = new HttpClient { Timeout = TimeSpan.FromSeconds(10) };
        var response = await client.GetAsync($"http://127.0.0.1:{port}/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return (PrometheusScrape.Parse(await response.Content.ReadAsStringAsync()), response);
    }

    private static async Task<PrometheusScrape> ScrapeUntilAsync(int port, Func<PrometheusScrape, bool> condition, string what)
    {
        var deadline = DateTime.UtcNow + Patience;
        while (true)
        {
            var (scrape, _) = await ScrapeAsync(port);
            if (condition(scrape)) return scrape;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The scrape never showed {what}.");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task The_scrape_carries_the_apps_and_the_runtimes_metrics_in_the_Prometheus_text_format()
    {
        var port = AppProcess.FreePort();
        await using var ok = await TestReceiver.StartAsync();
        await using var failing = await TestReceiver.StartAsync(_ => new Answer(500));
        // A process of its own: in the test process, other tests' apps would add to the same instruments.
        var settings = AppProcess.DeliverySettings();
        settings["Webhooks:Telemetry:PrometheusPort"] = port.ToString(CultureInfo.InvariantCulture);
        settings["Webhooks:Telemetry:SampleInterval"] = "00:00:00.200";
        settings["Webhooks:Telemetry:FailingEndpoints"] = "2";
        settings["Webhooks:Delivery:RetrySchedule"] = "100ms";
        // The counts below are exact: an attempt that timed out (the usual 2 s, on a loaded machine) would rightly be retried
        // and add to them. The 2 s was arbitrary here; the lease must outlast the timeout.
        settings["Webhooks:Delivery:Timeout"] = "00:00:30";
        settings["Webhooks:Workers:Lease"] = "00:01:00";
        await using var app = await AppProcess.StartAsync(await TestPostgres.CreateDatabaseAsync(), settings);
        var admin = app.Client();
        var type = await admin.CreateEventType();
        var partner = await admin.CreatePartner();
        await admin.CreateSubscription(partner, ok.Url, type);
        var failingSubscriptions = new List<string>();
        for (var i = 0; i < 3; i++) failingSubscriptions.Add((string)(await admin.CreateSubscription(partner, failing.Url, type))["id"]!);

        await admin.PostAsJsonAsync("/api/v1/events", new { type, payload = new { orderId = "o-1", amount = 1 } }).Expect(HttpStatusCode.Accepted);
        await admin.PostAsJsonAsync("/api/v1/events", new { type, payload = new { orderId = "o-2", amount = -1 } }).Expect(HttpStatusCode.UnprocessableEntity);

        var scrape = await ScrapeUntilAsync(port, s => s.Value("webhooks_dead_letters") == 3 && s.Value("webhooks_deliveries_completed_total", ("outcome", "dead")) == 3
            && s.Value("webhooks_deliveries_completed_total", ("outcome", "succeeded")) == 1, "three dead letters and one success");
        var (_, response) = await ScrapeAsync(port);
        Assert.Equal("text/plain; version=0.0.4; charset=utf-8", response.Content.Headers.ContentType?.ToString());

        // Every sample belongs to a family with a type, and the names follow Prometheus' conventions.
        Assert.All(scrape.Samples, s => Assert.True(scrape.Types.ContainsKey(s.Name) || scrape.Types.Keys.Any(f => s.Name.StartsWith(f + "_", StringComparison.Ordinal)), $"{s.Name} has no TYPE"));
        Assert.Equal("counter", scrape.Types["webhooks_events_accepted_total"]);
        Assert.Equal("gauge", scrape.Types["webhooks_dead_letters"]);
        Assert.Equal(1, scrape.Value("webhooks_events_accepted_total"));
        Assert.Equal(1, scrape.Value("webhooks_events_rejected_total", ("reason", "schema")));
        Assert.Equal(1, scrape.Value("webhooks_deliveries_completed_total", ("outcome", "succeeded")));
        Assert.Equal(3, scrape.Value("webhooks_deliveries_completed_total", ("outcome", "retry")));

        // The attempt latency histogram: 4 first attempts and 3 retries, buckets cumulative up to +Inf.
        Assert.Equal("histogram", scrape.Types["webhooks_attempt_duration_milliseconds"]);
        var count = scrape.Named("webhooks_attempt_duration_milliseconds_count").Sum(s => s.Value);
        Assert.Equal(7, count);
        foreach (var outcome in scrape.Named("webhooks_attempt_duration_milliseconds_count").Select(s => s.Labels["outcome"]))
        {
            var buckets = scrape.Named("webhooks_attempt_duration_milliseconds_bucket").Where(b => b.Labels["outcome"] == outcome)
                .OrderBy(b => double.Parse(b.Labels["le"].Replace("+Inf", "Infinity"), CultureInfo.InvariantCulture)).Select(b => b.Value).ToList();
            Assert.True(buckets.Count > 5, $"only {buckets.Count} buckets for {outcome}");
            Assert.Equal(buckets.Order(), buckets);
            Assert.Equal(scrape.Value("webhooks_attempt_duration_milliseconds_count", ("outcome", outcome)), buckets[^1]);
        }

        // The queue's gauges, and the failing endpoints: all counted, only the worst two named.
        Assert.NotNull(scrape.Value("webhooks_deliveries_due"));
        Assert.NotNull(scrape.Value("webhooks_deliveries_oldest_due_age_seconds"));
        Assert.Equal(3, scrape.Value("webhooks_endpoints_failing"));
        var streaks = scrape.Named("webhooks_endpoint_failure_streak").ToList();
        Assert.Equal(2, streaks.Count);
        Assert.All(streaks, s => Assert.Contains(s.Labels["webhooks_subscription_id"], failingSubscriptions));
        Assert.All(streaks, s => Assert.Equal(partner.ToString(), s.Labels["webhooks_partner_id"]));
        Assert.All(streaks, s => Assert.Equal(2, s.Value));
        Assert.Equal(2, scrape.Named("webhooks_endpoint_failing_duration_seconds").Count());

        // Background jobs by state, from Hangfire: the recurring ones are registered at start.
        Assert.Equal("gauge", scrape.Types["webhooks_jobs"]);
        Assert.True(scrape.Value("webhooks_jobs", ("state", "recurring")) >= 4, "the recurring jobs are not counted");
        Assert.NotNull(scrape.Value("webhooks_jobs", ("state", "failed")));

        // The framework's and the runtime's; the HTTP client's per method and status, not per subscriber host.
        var outgoing = scrape.Named("http_client_request_duration_seconds_bucket").ToList();
        Assert.Contains(outgoing, s => s.Labels["le"] == "0.005");
        Assert.Contains(outgoing, s => s.Labels.GetValueOrDefault("http_response_status_code") == "500");
        Assert.All(scrape.Samples.Where(s => s.Name.StartsWith("http_client_", StringComparison.Ordinal)), s => Assert.DoesNotContain("server_port", s.Labels.Keys));
        Assert.Contains(scrape.Samples, s => s.Name == "http_server_request_duration_seconds_count");
        Assert.Contains(scrape.Samples, s => s.Name.StartsWith("dotnet_gc_", StringComparison.Ordinal));
        Assert.Contains(scrape.Samples, s => s.Name.StartsWith("dotnet_process_memory_", StringComparison.Ordinal));
        // The scrapes are not counted as the app's requests: only the readiness checks of the start were GETs.
        Assert.All(scrape.Named("http_server_request_duration_seconds_count").Where(s => s.Labels["http_request_method"] == "GET"),
            s => Assert.Equal("/readyz", s.Labels.GetValueOrDefault("http_route")));
    }

    [Fact]
    public async Task The_metrics_port_serves_only_metrics_and_the_app_port_no_metrics()
    {
        var port = AppProcess.FreePort();
        await using var app = new ConfiguredApp(new Dictionary<string, string?> { ["Webhooks:Telemetry:PrometheusPort"] = port.ToString(CultureInfo.InvariantCulture) });
        await app.InitializeAsync();
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}"), Timeout = TimeSpan.FromSeconds(10) };
        client.DefaultRequestHeaders.Authorization = new("Bearer", WebhooksApp.AdminKey);

        Assert.Equal(HttpStatusCode.OK, (await client.GetAsync("/metrics")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/api/v1/partners")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.GetAsync("/healthz")).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await client.PostAsync("/metrics", null)).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await app.Client().GetAsync("/metrics")).StatusCode);
    }

    [Fact]
    public async Task The_app_process_listens_on_the_metrics_port_only_when_one_is_set()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        await using (var plain = await AppProcess.StartAsync(connectionString))
        {
            Assert.Equal([plain.Address.Port], ListeningPorts(plain.Id));
            Assert.Equal(HttpStatusCode.NotFound, (await plain.Client().GetAsync("/metrics")).StatusCode);
        }

        var port = AppProcess.FreePort();
        await using var scraped = await AppProcess.StartAsync(connectionString, new Dictionary<string, string> { ["Webhooks:Telemetry:PrometheusPort"] = port.ToString(CultureInfo.InvariantCulture) });
        Assert.Equal(new[] { scraped.Address.Port, port }.Order(), ListeningPorts(scraped.Id));
        var scrape = await ScrapeUntilAsync(port, s => s.Value("webhooks_dead_letters") == 0, "the dead-letter gauge");
        Assert.Contains(scrape.Samples, s => s.Name == "http_server_request_duration_seconds_count"); // the readiness checks of the start

        // SIGTERM stops the metrics listener with the app.
        await scraped.StopAsync();
        Assert.True(scraped.HasExited, scraped.Output);
    }

    /// <summary>The TCP ports a process listens on, from the sockets it holds (/proc/PID/fd) and the kernel's socket tables.</summary>
    private static List<int> ListeningPorts(int pid)
    {
        var inodes = Directory.GetFiles($"/proc/{pid}/fd")
            .Select(fd => { try { return new FileInfo(fd).LinkTarget; } catch (IOException) { return null; } })
            .Where(target => target?.StartsWith("socket:[", StringComparison.Ordinal) == true)
            .Select(target => target![8..^1]).ToHashSet();
        const string Listen = "0A";
        return new[] { "tcp", "tcp6" }
            .SelectMany(table => File.ReadLines($"/proc/{pid}/net/{table}").Skip(1))
            .Select(line => line.Split(' ', StringSplitOptions.RemoveEmptyEntries))
            .Where(columns => columns[3] == Listen && inodes.Contains(columns[9]))
            .Select(columns => int.Parse(columns[1].Split(':')[1], NumberStyles.HexNumber))
            .Distinct().Order().ToList();
    }
}
