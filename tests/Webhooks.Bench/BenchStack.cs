using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Webhooks.Data;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Bench;

/// <summary>A PostgreSQL cluster with production settings and the app as its own process on top of it.</summary>
public sealed class BenchStack : IAsyncDisposable
{
    public required LocalPostgres Cluster { get; init; }
    public required AppProcess App { get; init; }
    public required string Root { get; init; }

    /// <summary>With <c>--statements</c> on the command line, PostgreSQL counts every statement the app runs (pg_stat_statements).</summary>
    public static bool CountStatements { get; set; }

    /// <summary>With <c>--warm-wal</c>, each cluster first fills and recycles 2 GB of WAL; by default it is new, as a new user's is.</summary>
    public static bool WarmWal { get; set; }

    /// <summary>PostgreSQL settings given with <c>--pg name=value</c>, over the app's own, for comparing them.</summary>
    public static Dictionary<string, string> PostgresSettings { get; } = [];

    public static async Task<BenchStack> StartAsync(IDictionary<string, string>? settings = null)
    {
        var root = Path.Combine(Path.GetTempPath(), "wh-bench-" + Guid.NewGuid().ToString("N")[..8]);
        var postgres = new Dictionary<string, string>(PostgresSettings);
        if (CountStatements) postgres["shared_preload_libraries"] = "'pg_stat_statements'";
        var cluster = new LocalPostgres(Path.Combine(root, "pg"), settings: postgres);
        await cluster.StartAsync();
        if (WarmWal) await WarmWalAsync(cluster);
        var app = await AppProcess.StartAsync(cluster.ConnectionString, settings ?? new Dictionary<string, string> { ["Webhooks:Workers:Enabled"] = "false" });
        return new BenchStack { Cluster = cluster, App = app, Root = root };
    }

    /// <summary>
    /// Fills and recycles 2 GB of WAL, as a cluster that has run a while has done: PostgreSQL then reuses those files,
    /// where a fresh cluster writes each new 16 MB WAL file full of zeros inside some commit first.
    /// </summary>
    private static async Task WarmWalAsync(LocalPostgres cluster)
    {
        await using var connection = new Npgsql.NpgsqlConnection(cluster.ConnectionString);
        await connection.OpenAsync();
        foreach (var sql in new[]
        {
            "CREATE TABLE wal_warm_up AS SELECT repeat('x', 1000) AS filler FROM generate_series(1, 1800000)",
            "DROP TABLE wal_warm_up",
            "CHECKPOINT",
        })
        {
            await using var command = new Npgsql.NpgsqlCommand(sql, connection) { CommandTimeout = 300 };
            await command.ExecuteNonQueryAsync();
        }
    }

    /// <summary>An event type with a five-property schema, a partner, and <paramref name="subscriptions"/> subscriptions to it.</summary>
    public async Task<(string Type, string IngestKey)> SeedAsync(int subscriptions, string url)
    {
        var admin = App.Client();
        var type = "bench.order" + Guid.NewGuid().ToString("N")[..6];
        var schema = JsonNode.Parse("""
            {"type":"object","required":["orderId","amount","currency","customer","lines"],
             "properties":{"orderId":{"type":"string"},"amount":{"type":"number","minimum":0},"currency":{"type":"string","minLength":3,"maxLength":3},
                           "customer":{"type":"object","required":["id"],"properties":{"id":{"type":"string"},"email":{"type":"string"}}},
                           "lines":{"type":"array","items":{"type":"object","required":["sku","qty"]}}}}
            """);
        (await admin.PostAsJsonAsync("/api/v1/event-types", new { name = type, schema })).EnsureSuccessStatusCode();
        var partner = await (await admin.PostAsJsonAsync("/api/v1/partners", new { name = "bench" })).Content.ReadFromJsonAsync<JsonObject>();
        for (var i = 0; i < subscriptions; i++)
            (await admin.PostAsJsonAsync("/api/v1/subscriptions", new { partnerId = (string)partner!["id"]!, url = $"{url}?s={i}", eventTypes = new[] { type } }))
                .EnsureSuccessStatusCode();
        var key = await (await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "bench", scopes = new[] { "ingest" } })).Content.ReadFromJsonAsync<JsonObject>();
        return (type, (string)key!["key"]!);
    }

    /// <summary>About 300 bytes of JSON, as a typical order event.</summary>
    public static string Payload(int i) =>
        $$"""{"orderId":"ord-{{i:D8}}","amount":{{i % 1000}}.95,"currency":"EUR","customer":{"id":"cus-{{i % 5000:D6}}","email":"buyer{{i % 5000}}@example.com"},"lines":[{"sku":"SKU-{{i % 97:D4}}","qty":2,"price":12.5},{"sku":"SKU-{{i % 89:D4}}","qty":1,"price":21.45}],"note":"benchmark event"}""";

    /// <summary>Transactions committed in the app's database, WAL bytes written and events inserted so far.</summary>
    public async Task<DatabaseCounters> CountersAsync()
    {
        await using var connection = new Npgsql.NpgsqlConnection(Cluster.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand(
            "SELECT xact_commit, pg_current_wal_lsn() - '0/0', (SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = 'events') " +
            "FROM pg_stat_database WHERE datname = current_database()", connection);
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return new DatabaseCounters(reader.GetInt64(0), reader.GetDecimal(1), reader.GetInt64(2));
    }

    /// <summary>The statements that took the most database time since the last call, when <see cref="CountStatements"/> is on.</summary>
    public async Task PrintStatementsAsync(long per)
    {
        if (!CountStatements) return;
        await using var connection = new Npgsql.NpgsqlConnection(Cluster.ConnectionString);
        await connection.OpenAsync();
        await using (var create = new Npgsql.NpgsqlCommand("CREATE EXTENSION IF NOT EXISTS pg_stat_statements", connection)) await create.ExecuteNonQueryAsync();
        await using (var command = new Npgsql.NpgsqlCommand(
            "SELECT calls, total_exec_time, rows, regexp_replace(left(query, 90), '\\s+', ' ', 'g') FROM pg_stat_statements ORDER BY total_exec_time DESC LIMIT 12", connection))
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                Console.WriteLine($"    {reader.GetInt64(0) / (double)per,8:F4} calls/item {reader.GetDouble(1) * 1000 / per,7:F1} µs/item {reader.GetInt64(2) / (double)Math.Max(1, reader.GetInt64(0)),7:F1} rows/call  {reader.GetString(3)}");
        await using var reset = new Npgsql.NpgsqlCommand("SELECT pg_stat_statements_reset()", connection);
        await reset.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        await App.DisposeAsync();
        Cluster.Stop(immediate: true);
        try { Directory.Delete(Root, recursive: true); } catch (IOException) { }
    }
}

public readonly record struct DatabaseCounters(long Commits, decimal WalBytes, long EventsInserted)
{
    public string Since(DatabaseCounters before, long events) =>
        $"{events / (double)Math.Max(1, Commits - before.Commits):F1} events per commit, {(WalBytes - before.WalBytes) / Math.Max(1, events):F0} WAL bytes per event";
}
