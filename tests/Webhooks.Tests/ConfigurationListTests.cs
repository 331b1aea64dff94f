using System.Net;
using System.Net.Http.Json;
using System.Text;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using Webhooks.Delivery;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests;

/// <summary>
/// List-valued keys (RetrySchedule, AllowedNetworks, AllowedPorts) set from environment variables: the whole list comes
/// from the source that sets it last, so a variable can shorten what appsettings.json lists.
/// </summary>
public sealed class ConfigurationListTests
{
    private static readonly TimeSpan[] DefaultSchedule =
        [TimeSpan.FromSeconds(5), TimeSpan.FromMinutes(5), TimeSpan.FromMinutes(30), TimeSpan.FromHours(2), TimeSpan.FromHours(5), TimeSpan.FromHours(10), TimeSpan.FromHours(10)];

    /// <summary>
    /// The app's delivery options as the app wires them, read from <paramref name="json"/> (the app's own
    /// appsettings.json when null) under real environment variables. Each test's variables carry a prefix
    /// of their own, so tests running at the same time cannot see each other's.
    /// </summary>
    private static DeliveryOptions Read(Dictionary<string, string> variables, string? json = null)
    {
        var prefix = $"WEBHOOKS_TEST_{Guid.NewGuid():N}_";
        foreach (var (name, value) in variables) Environment.SetEnvironmentVariable(prefix + name, value);
        try
        {
            var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
            if (json is null) builder.Configuration.AddJsonFile(Path.Combine(WebhooksApp.RepositoryRoot, "appsettings.json"));
            else builder.Configuration.AddJsonStream(new MemoryStream(Encoding.UTF8.GetBytes(json)));
            builder.Configuration.AddEnvironmentVariables(prefix);
            builder.AddDelivery();
            using var host = builder.Build();
            return host.Services.GetRequiredService<IOptions<DeliveryOptions>>().Value;
        }
        finally
        {
            foreach (var name in variables.Keys) Environment.SetEnvironmentVariable(prefix + name, null);
        }
    }

    private const string ArrayForm = """
        { "Webhooks": { "Delivery": {
            "RetrySchedule": [ "00:00:05", "00:05:00", "00:30:00", "02:00:00", "05:00:00", "10:00:00", "10:00:00" ],
            "AllowedNetworks": [ "10.0.0.0/8", "192.168.0.0/16" ] } } }
        """;

    [Fact]
    public void The_default_schedule_is_the_one_string_in_appsettings()
    {
        Assert.Equal(DefaultSchedule, Read([]).RetrySchedule);
    }

    [Fact]
    public void One_variable_replaces_the_whole_schedule_in_either_notation()
    {
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromMilliseconds(250)], Read(new() { ["Webhooks__Delivery__RetrySchedule"] = "1s, 250ms" }).RetrySchedule);
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromDays(1)], Read(new() { ["Webhooks__Delivery__RetrySchedule"] = "00:00:01,1.00:00:00" }).RetrySchedule);
        Assert.Equal([TimeSpan.FromMinutes(1.5), TimeSpan.FromHours(2), TimeSpan.FromDays(1)], Read(new() { ["Webhooks__Delivery__RetrySchedule"] = "1.5m,2h,1d" }).RetrySchedule);
        Assert.Equal([TimeSpan.FromSeconds(1)], Read(new() { ["Webhooks__Delivery__RetrySchedule"] = "1s" }, ArrayForm).RetrySchedule);
    }

    [Fact]
    public void Entries_from_variables_replace_a_longer_list_instead_of_overwriting_its_first_entries()
    {
        var variables = new Dictionary<string, string> { ["Webhooks__Delivery__RetrySchedule__0"] = "1s", ["Webhooks__Delivery__RetrySchedule__1"] = "2s" };

        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], Read(variables, ArrayForm).RetrySchedule);
        Assert.Equal([TimeSpan.FromSeconds(1), TimeSpan.FromSeconds(2)], Read(variables).RetrySchedule);
    }

    [Fact]
    public void Allowed_networks_are_replaced_or_emptied_by_one_variable()
    {
        Assert.Equal(["10.0.0.0/8", "192.168.0.0/16"], Read([], ArrayForm).AllowedNetworks);
        Assert.Equal(["127.0.0.0/8"], Read(new() { ["Webhooks__Delivery__AllowedNetworks"] = "127.0.0.0/8" }, ArrayForm).AllowedNetworks);
        Assert.Equal(["127.0.0.0/8", "::1/128"], Read(new() { ["Webhooks__Delivery__AllowedNetworks"] = "127.0.0.0/8,::1/128" }).AllowedNetworks);
        Assert.Equal(["127.0.0.0/8"], Read(new() { ["Webhooks__Delivery__AllowedNetworks__0"] = "127.0.0.0/8" }, ArrayForm).AllowedNetworks);
        Assert.Empty(Read(new() { ["Webhooks__Delivery__AllowedNetworks"] = "" }, ArrayForm).AllowedNetworks);
    }

    [Fact]
    public void Allowed_ports_are_one_list_from_a_string_or_entries_and_a_word_among_them_stops_the_app()
    {
        const string Ports = """{ "Webhooks": { "Delivery": { "RetrySchedule": "5s", "AllowedPorts": [ 443, 8443, 9443 ] } } }""";
        Assert.Equal([443, 8443, 9443], Read([], Ports).AllowedPorts);
        Assert.Equal([443], Read(new() { ["Webhooks__Delivery__AllowedPorts"] = "443" }, Ports).AllowedPorts);
        Assert.Equal([80, 443], Read(new() { ["Webhooks__Delivery__AllowedPorts__0"] = "80", ["Webhooks__Delivery__AllowedPorts__1"] = "443" }, Ports).AllowedPorts);
        Assert.Empty(Read(new() { ["Webhooks__Delivery__AllowedPorts"] = "" }, Ports).AllowedPorts);

        var failure = Assert.Throws<OptionsValidationException>(() => Read(new() { ["Webhooks__Delivery__AllowedPorts"] = "443,https" }));
        Assert.Contains("Webhooks:Delivery:AllowedPorts has 'https'", failure.Message);
    }

    [Theory]
    [InlineData("5s,soon,1h", "'soon'")]
    [InlineData("5", "'5'")]
    [InlineData("99999999999d", "'99999999999d'")]
    [InlineData("5s,-00:00:01", "positive")]
    [InlineData("", "at least one")]
    public void A_schedule_that_does_not_read_stops_the_app_naming_the_key(string value, string told)
    {
        var failure = Assert.Throws<OptionsValidationException>(() => Read(new() { ["Webhooks__Delivery__RetrySchedule"] = value }));

        Assert.Contains("Webhooks:Delivery:RetrySchedule", failure.Message);
        Assert.Contains(told, failure.Message);
    }

    [Fact]
    public async Task A_schedule_of_two_retries_from_one_environment_variable_makes_a_delivery_dead_after_three_attempts()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        await using var receiver = await TestReceiver.StartAsync(_ => new Answer(Status: 500));
        var settings = AppProcess.DeliverySettings();
        settings.Remove("Webhooks:Delivery:AllowedNetworks:0");
        settings["Webhooks:Delivery:AllowedNetworks"] = "127.0.0.0/8";
        settings["Webhooks:Delivery:RetrySchedule"] = "200ms,200ms";
        await using var app = await AppProcess.StartAsync(connectionString, settings);
        var admin = app.Client();
        var type = await admin.CreateEventType();
        var subscription = (Guid)(await admin.CreateSubscription(await admin.CreatePartner(), receiver.Url, type))["id"]!;

        await admin.PostAsJsonAsync("/api/v1/events", new { type, payload = new { orderId = "o-1", amount = 1 } }).Expect(HttpStatusCode.Accepted);

        await DeliveryData.WaitUntil(connectionString, "SELECT EXISTS (SELECT FROM deliveries WHERE subscription_id = $1 AND status = 'dead')",
            [subscription], "the delivery to be dead", TimeSpan.FromSeconds(30));
        Assert.Equal(3, receiver.Requests.Count);
        Assert.Equal(3, await DeliveryData.Scalar<int>(connectionString, "SELECT attempt_count FROM deliveries WHERE subscription_id = $1", subscription));
    }
}
