using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.RegularExpressions;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Observability;

public sealed partial class SecretFreeLogTests
{
    private static ConfiguredApp LoggedApp(Dictionary<string, string?> settings)
    {
        settings["Logging:LogLevel:Default"] = "Trace";
        settings["Logging:LogLevel:Microsoft.AspNetCore"] = "Trace";
        settings["Logging:LogLevel:Microsoft.EntityFrameworkCore"] = "Trace";
        return new ConfiguredApp(settings);
    }

    [Fact]
    public async Task Keys_and_signing_secrets_never_appear_in_the_logs()
    {
        await using var collector = await RecordingReceiver.StartAsync();
        var collectorKey = "otlp-" + Guid.NewGuid().ToString("N");
        await using var app = LoggedApp(new Dictionary<string, string?>
        {
            // Exporting, with a credential for the collector: the exporter's own HTTP calls must not log it either.
            ["Webhooks:Telemetry:OtlpEndpoint"] = collector.BaseAddress,
            ["Webhooks:Telemetry:OtlpHeaders"] = $"x-collector-key={collectorKey}",
            ["Webhooks:Telemetry:ExportInterval"] = "00:00:00.200",
        });
        await app.InitializeAsync();
        var admin = app.Client();
        var secrets = new List<string> { WebhooksApp.AdminKey, WebhooksApp.AdminPassword, collectorKey };

        var ingestKey = await admin.CreateKey("ingest");
        var partner = await admin.CreatePartner();
        var partnerKey = await admin.CreatePartnerKey(partner);
        var type = await admin.CreateEventType();
        var subscription = await app.Client(partnerKey).CreateSubscription(partner, "https://receiver.example/hook", type);
        var id = (string)subscription["id"]!;
        var rotated = await app.Client(partnerKey).PostAsync($"/api/v1/subscriptions/{id}/rotate-secret", null).Expect(HttpStatusCode.OK);
        secrets.AddRange([ingestKey, partnerKey, (string)subscription["secret"]!, (string)rotated["secret"]!]);

        var producer = app.Client(ingestKey);
        producer.DefaultRequestHeaders.Add("Idempotency-Key", "order-o-1");
        await producer.PostAsJsonAsync("/api/v1/events", new { type, payload = new { orderId = "o-1", amount = 1 } }).Expect(HttpStatusCode.Accepted);
        await producer.PostAsJsonAsync("/api/v1/events", new { type, payload = new { orderId = "o-1", amount = 1 } }).Expect(HttpStatusCode.Accepted);
        await app.Client(partnerKey).GetAsync($"/api/v1/subscriptions/{id}").Expect(HttpStatusCode.OK);
        var unknownKey = "whk_" + Guid.NewGuid().ToString("N") + Guid.NewGuid().ToString("N");
        await app.Client(unknownKey).GetAsync("/api/v1/partners").Expect(HttpStatusCode.Unauthorized);
        secrets.Add(unknownKey);
        var malformed = app.Client(apiKey: null);
        malformed.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", unknownKey + "\u00e9");
        await malformed.GetAsync("/api/v1/partners");

        Assert.NotNull(await collector.WaitForAsync("/v1/traces", r => r.Headers.GetValueOrDefault("x-collector-key") == collectorKey, TimeSpan.FromSeconds(30)));
        Assert.NotNull(await collector.WaitForAsync("/v1/metrics", r => r.Headers.GetValueOrDefault("x-collector-key") == collectorKey, TimeSpan.FromSeconds(30)));
        var entries = app.Logs.Entries.ToList();
        Assert.True(entries.Count > 50, $"only {entries.Count} log entries were captured");
        foreach (var secret in secrets)
            Assert.DoesNotContain(entries, e => e.Contains(secret, StringComparison.Ordinal));
        Assert.DoesNotContain(entries, e => KeyLike().IsMatch(e));
    }

    [Fact]
    public async Task A_generated_first_admin_key_is_logged_once_and_a_configured_one_never()
    {
        await using var app = LoggedApp(new Dictionary<string, string?>
        {
            ["Webhooks:Bootstrap:AdminApiKey"] = "",
        });
        await app.InitializeAsync();

        var withKey = app.Logs.Entries.Where(e => KeyLike().IsMatch(e)).ToList();
        var line = Assert.Single(withKey);
        var generated = KeyLike().Match(line).Value;
        // The one exception the contract makes: shown once so the operator can use it.
        await app.Client(generated).GetAsync("/api/v1/partners").Expect(HttpStatusCode.OK);
        Assert.DoesNotContain(app.Logs.Entries, e => e.Contains(WebhooksApp.AdminPassword, StringComparison.Ordinal));
    }

    [GeneratedRegex(@"whk_[A-Za-z0-9_\-]{20,}|whsec_[A-Za-z0-9+/=]{20,}")]
    private static partial Regex KeyLike();
}
