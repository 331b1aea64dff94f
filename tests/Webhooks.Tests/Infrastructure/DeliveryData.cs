using Npgsql;

namespace Webhooks.Tests.Infrastructure;

/// <summary>Events and their deliveries written straight into the database, as ingest writes them, followed by the NOTIFY ingest sends.</summary>
public static class DeliveryData
{
    public static async Task<Guid[]> InsertEvents(string connectionString, Guid subscriptionId, int count, string type = "test.event", string status = "pending",
        TimeSpan dueIn = default)
    {
        var eventIds = Enumerable.Range(0, count).Select(_ => Guid.CreateVersion7()).ToArray();
        var deliveryIds = Enumerable.Range(0, count).Select(_ => Guid.CreateVersion7()).ToArray();
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("""
            WITH e AS (
                INSERT INTO events (id, type, payload, created_at)
                SELECT id, $3, json_build_object('n', n, 'note', 'café ✓')::json, now()
                FROM unnest($1::uuid[]) WITH ORDINALITY AS t(id, n)
                RETURNING id
            )
            INSERT INTO deliveries (id, event_id, subscription_id, status, next_attempt_at, created_at, updated_at)
            SELECT d.id, e.id, $4, $5, now() + $6, now(), now()
            FROM unnest($1::uuid[], $2::uuid[]) AS d(event_id, id) JOIN e ON e.id = d.event_id
            """, connection);
        command.Parameters.Add(new() { Value = eventIds });
        command.Parameters.Add(new() { Value = deliveryIds });
        command.Parameters.Add(new() { Value = type });
        command.Parameters.Add(new() { Value = subscriptionId });
        command.Parameters.Add(new() { Value = status });
        command.Parameters.Add(new() { Value = dueIn });
        await command.ExecuteNonQueryAsync();
        await using var notify = new NpgsqlCommand("SELECT pg_notify('deliveries', '')", connection);
        await notify.ExecuteNonQueryAsync();
        return eventIds;
    }

    public static async Task<T> Scalar<T>(string connectionString, string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters) command.Parameters.Add(new() { Value = p });
        return (T)(await command.ExecuteScalarAsync())!;
    }

    public static async Task Execute(string connectionString, string sql, params object[] parameters)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        foreach (var p in parameters) command.Parameters.Add(new() { Value = p });
        await command.ExecuteNonQueryAsync();
    }

    /// <summary>Polls the database until the query answers true; fails the test after the timeout.</summary>
    public static async Task WaitUntil(string connectionString, string sql, object[] parameters, string what, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        while (!await Scalar<bool>(connectionString, sql, parameters))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"Timed out waiting for {what}.");
            await Task.Delay(100);
        }
    }
}
