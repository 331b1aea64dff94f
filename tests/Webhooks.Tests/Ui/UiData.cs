using System.Net;
using System.Net.Http.Json;
using Npgsql;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Ui;

/// <summary>Data the UI tests look at, set up through the API, and dead deliveries made directly in the tables.</summary>
public static class UiData
{
    public static async Task<(Guid PartnerId, string Username, string Password)> PartnerWithUser(WebhooksApp app, string name)
    {
        var admin = app.Client();
        var partnerId = await admin.CreatePartner(name);
        var username = name.ToLowerInvariant().Replace(' ', '-') + "-" + Guid.NewGuid().ToString("N")[..6];
        const string password = "partner-password-1";
        var browser = await Browser.SignedIn(app);
        var page = await browser.Open($"/partners/{partnerId}");
        await browser.Submit(page, "add-user", new() { ["UserForm.Username"] = username, ["UserForm.Password"] = password });
        Assert.Equal(HttpStatusCode.OK, browser.LastStatus);
        return (partnerId, username, password);
    }

    /// <summary>Sends an event of the type through the API; returns its id.</summary>
    public static async Task<Guid> SendEvent(WebhooksApp app, string type, Guid? partnerId = null)
    {
        var created = await app.Client().PostAsJsonAsync("/api/v1/events", new { type, partnerId, payload = new { orderId = "o-1", amount = 3 } })
            .Expect(HttpStatusCode.Accepted);
        return Guid.Parse((string)created["id"]!);
    }

    /// <summary>Marks every delivery of the event dead, as if each had failed its last attempt with this status code.</summary>
    public static async Task<List<Guid>> KillDeliveries(WebhooksApp app, Guid eventId, int statusCode = 500)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            WITH d AS (
                UPDATE deliveries SET status = 'dead', attempt_count = 1, last_status_code = $2, last_attempt_at = now(), last_error = 'HTTP ' || $2
                WHERE event_id = $1 RETURNING id
            ), a AS (
                INSERT INTO attempts (delivery_id, number, at, status_code, duration_ms, error_kind, error, request_headers, response_headers, response_body)
                SELECT id, 1, now(), $2, 42, 'http_status', 'HTTP ' || $2, '{"webhook-id": "x"}', '{"content-type": "text/plain"}', 'receiver broke' FROM d
            )
            SELECT id FROM d
            """, connection);
        command.Parameters.Add(new() { Value = eventId });
        command.Parameters.Add(new() { Value = statusCode });
        var ids = new List<Guid>();
        await using var reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync()) ids.Add(reader.GetGuid(0));
        return ids;
    }

    public static async Task<string> DeliveryStatus(WebhooksApp app, Guid deliveryId)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT status FROM deliveries WHERE id = $1", connection);
        command.Parameters.Add(new() { Value = deliveryId });
        return (string)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Runs one statement against the app's database (to set up a state the API cannot make quickly).</summary>
    public static async Task Execute(WebhooksApp app, string sql, params object[] values)
    {
        await using var connection = new NpgsqlConnection(app.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var value in values) command.Parameters.Add(new() { Value = value });
        await command.ExecuteNonQueryAsync();
    }
}
