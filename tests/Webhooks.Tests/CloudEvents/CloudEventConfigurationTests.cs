using System.Net;
using System.Net.Http.Json;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.CloudEvents;

/// <summary>The CloudEvents configuration keys: checked at start, and RequireOwnershipVerification's default and its hold on partners.</summary>
public sealed class CloudEventConfigurationTests
{
    [Theory]
    [InlineData("Webhooks:CloudEvents:Source", "not a uri")]
    [InlineData("Webhooks:CloudEvents:Source", "")]
    [InlineData("Webhooks:CloudEvents:Origin", "https://webhooks.example")]
    [InlineData("Webhooks:Delivery:RequireOwnershipVerification", "sometimes")]
    public async Task A_bad_value_stops_the_app_at_start_with_a_message_naming_its_key(string key, string value)
    {
        await using var configured = new ConfiguredApp(new Dictionary<string, string?> { [key] = value });

        var failure = await Assert.ThrowsAnyAsync<Exception>(configured.InitializeAsync);

        Assert.Contains(key, string.Join("\n", configured.Logs.Entries.Append(failure.ToString())));
    }

    [Fact]
    public async Task When_required_new_subscriptions_verify_by_default_and_only_an_admin_may_turn_it_off()
    {
        // The endpoints are a closed port on this machine: the handshakes fail at once, and nothing leaves it.
        await using var configured = new ConfiguredApp(new Dictionary<string, string?>
        {
            ["Webhooks:Delivery:RequireOwnershipVerification"] = "true",
            ["Webhooks:Delivery:AllowedNetworks:0"] = "127.0.0.1/32",
        });
        await configured.InitializeAsync();
        var admin = configured.Client();
        var type = await admin.CreateEventType();
        var partnerId = await admin.CreatePartner();
        var partner = configured.Client(await admin.CreatePartnerKey(partnerId));

        var byDefault = await partner.PostAsJsonAsync("/api/v1/subscriptions", new { url = "http://127.0.0.1:1/a", eventTypes = new[] { type } })
            .Expect(HttpStatusCode.Created);
        var refused = await partner.PostAsJsonAsync("/api/v1/subscriptions", new { url = "http://127.0.0.1:1/b", eventTypes = new[] { type }, verifyOwnership = false })
            .Expect(HttpStatusCode.BadRequest);
        var byAdmin = await admin.PostAsJsonAsync("/api/v1/subscriptions", new { partnerId, url = "http://127.0.0.1:1/c", eventTypes = new[] { type }, verifyOwnership = false })
            .Expect(HttpStatusCode.Created);

        Assert.True((bool)byDefault["verifyOwnership"]!);
        Assert.NotNull(byDefault["verification"]);
        Assert.NotNull(refused["errors"]!["$.verifyOwnership"]);
        Assert.False((bool)byAdmin["verifyOwnership"]!);
        Assert.Null(byAdmin["verification"]);
    }
}
