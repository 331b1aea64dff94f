using System.Diagnostics;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Webhooks.Jobs;
using Webhooks.Stats;
using Webhooks.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Webhooks.Tests.Jobs;

/// <summary>The dashboard's figures from the StatsRollup buckets plus the rows after them, at a few million rows.</summary>
public sealed class StatsRollupTests(StatsRollupTests.App app, ITestOutputHelper output) : IClassFixture<StatsRollupTests.App>
{
    public sealed class App : WebhooksApp;

    private const int Deliveries = 1_000_000;

    [Fact]
    public async Task The_figures_from_the_buckets_equal_a_count_of_the_tables_at_two_million_attempts()
    {
        await using var db = new NpgsqlDataSourceBuilder(new NpgsqlConnectionStringBuilder(app.ConnectionString) { CommandTimeout = 600 }.ConnectionString).Build();
        var admin = app.Client();
        var partner = await admin.CreatePartner();
        var subscription = Guid.Parse((string)(await admin.CreateSubscription(partner, "https://stats.example.com/hook", "*"))["id"]!);
        // Two attempts per delivery over the last 30 hours, written in time order as the app writes them; one in three failed.
        await Execute(db, $"""
            INSERT INTO deliveries (id, event_id, subscription_id, status, next_attempt_at, created_at, updated_at)
            SELECT uuid_generate_v7_like, gen_random_uuid(), '{subscription}', 'succeeded', now(), now(), now()
            FROM (SELECT gen_random_uuid() AS uuid_generate_v7_like FROM generate_series(1, {Deliveries})) g;
            INSERT INTO attempts (delivery_id, number, at, status_code, duration_ms, error_kind)
            SELECT id, n, now() - interval '30 hours' + row_number() OVER (ORDER BY n, id) * (interval '30 hours' / {2 * Deliveries}), 200,
                   (random() * 100)::int, CASE WHEN random() < 0.33 THEN 'http' END
            FROM deliveries d CROSS JOIN (VALUES (1), (2)) AS n(n) WHERE d.subscription_id = '{subscription}'
            ORDER BY n, id;
            ANALYZE attempts; ANALYZE deliveries;
            """);

        var rollup = app.Services.GetServices<IRecurringWork>().Single(w => w.Name == "StatsRollup");
        var clock = Stopwatch.StartNew();
        await rollup.RunAsync(CancellationToken.None);
        output.WriteLine($"roll-up of {2 * Deliveries:N0} attempts: {clock.ElapsedMilliseconds} ms");

        // Attempts arriving after the roll-up are counted from the table.
        await Execute(db, $"INSERT INTO attempts (delivery_id, number, at, status_code, duration_ms) SELECT id, 3, now(), 200, 10 FROM deliveries WHERE subscription_id = '{subscription}' LIMIT 1000");

        await using var scope = app.Services.CreateAsyncScope();
        var stats = scope.ServiceProvider.GetRequiredService<StatsService>();
        clock.Restart();
        var read = await stats.ReadAsync();
        output.WriteLine($"stats read with the buckets: {clock.ElapsedMilliseconds} ms");

        var (succeeded, failed) = await Counts(db, read.At);
        var rate = Math.Round((double)succeeded / (succeeded + failed), 4);
        Assert.Equal(rate, read.SuccessRate);
        Assert.Equal(succeeded, read.LastDay.Sum(h => h.Succeeded));
        Assert.Equal(failed, read.LastDay.Sum(h => h.Failed));
        var slowest = Assert.Single(read.SlowestEndpoints, e => e.SubscriptionId == subscription);
        Assert.Equal(succeeded + failed, slowest.Attempts);
    }

    /// <summary>A direct count over the same window: the current hour and the 23 before it.</summary>
    private static async Task<(long, long)> Counts(NpgsqlDataSource db, DateTimeOffset at)
    {
        await using var command = db.CreateCommand("""
            SELECT count(*) FILTER (WHERE error_kind IS NULL), count(*) FILTER (WHERE error_kind IS NOT NULL)
            FROM attempts WHERE at >= date_trunc('hour', $1::timestamptz) - interval '23 hours'
            """);
        command.Parameters.Add(new() { Value = at });
        await using var reader = await command.ExecuteReaderAsync();
        await reader.ReadAsync();
        return (reader.GetInt64(0), reader.GetInt64(1));
    }

    private static async Task Execute(NpgsqlDataSource db, string sql)
    {
        await using var command = db.CreateCommand(sql);
        await command.ExecuteNonQueryAsync();
    }
}
