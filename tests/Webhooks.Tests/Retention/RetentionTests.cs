using Hangfire;
using Webhooks.Data;
using Webhooks.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Webhooks.Retention;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Retention;

public sealed class RetentionTests(RetentionTests.App app) : IClassFixture<RetentionTests.App>
{
    /// <summary>A worker instance: its Hangfire server runs the recurring jobs.</summary>
    public sealed class App : WebhooksApp
    {
        protected override Dictionary<string, string?> Settings => new(base.Settings)
        {
            ["Webhooks:Workers:Enabled"] = "true",
            ["Webhooks:Retention:Days"] = "7",
        };
    }

    [Fact]
    public async Task The_Retention_job_removes_old_events_and_keeps_young_ones()
    {
        var old = await InsertEventAsync(DateTimeOffset.UtcNow.AddDays(-8));
        var young = await InsertEventAsync(DateTimeOffset.UtcNow.AddDays(-6));

        app.Services.GetRequiredService<IRecurringJobManager>().Trigger("Retention");

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (await ExistsAsync(old) && DateTime.UtcNow < deadline) await Task.Delay(200);
        Assert.False(await ExistsAsync(old));
        Assert.True(await ExistsAsync(young));
    }

    [Fact]
    public async Task A_run_skips_while_another_instance_holds_the_job()
    {
        var old = await InsertEventAsync(DateTimeOffset.UtcNow.AddDays(-9));
        var runner = app.Services.GetRequiredService<RecurringWorkRunner>();
        await using var db = NpgsqlDataSource.Create(app.ConnectionString);
        await using var other = await db.OpenConnectionAsync();
        await using (var take = new NpgsqlCommand(RecurringWorkRunner.LockSql("pg_advisory_lock"), other) { Parameters = { new() { Value = "Retention" } } })
            await take.ExecuteNonQueryAsync();

        await runner.RunAsync("Retention", CancellationToken.None);
        var keptWhileHeld = await ExistsAsync(old);

        await using (var release = new NpgsqlCommand(RecurringWorkRunner.LockSql("pg_advisory_unlock"), other) { Parameters = { new() { Value = "Retention" } } })
            await release.ExecuteNonQueryAsync();
        await RunWhenFreeAsync(runner, old);
        Assert.True(keptWhileHeld);
        Assert.False(await ExistsAsync(old));
    }

    [Fact]
    public async Task The_cutoff_id_sorts_between_ids_made_before_and_after_it_in_PostgreSQL()
    {
        var at = DateTimeOffset.UtcNow.AddDays(-30);
        await using var db = NpgsqlDataSource.Create(app.ConnectionString);
        await using var command = db.CreateCommand("SELECT $1 < $2 AND $2 < $3");
        command.Parameters.Add(new() { Value = Guid.CreateVersion7(at.AddMilliseconds(-1)) });
        command.Parameters.Add(new() { Value = TimeOrderedIds.FirstAt(at) });
        command.Parameters.Add(new() { Value = Guid.CreateVersion7(at) });
        Assert.True((bool)(await command.ExecuteScalarAsync())!);
    }

    [Fact]
    public async Task Every_foreign_key_into_purged_tables_cascades_through_an_index()
    {
        // Retention deletes events with their deliveries and lets PostgreSQL remove what hangs off those; a new
        // table that refers to them without ON DELETE CASCADE would make the purge fail, one without an index slow.
        await using var db = NpgsqlDataSource.Create(app.ConnectionString);
        await using var command = db.CreateCommand("""
            SELECT c.conrelid::regclass::text || ' -> ' || c.confrelid::regclass::text,
                   c.confdeltype IN ('c', 'n'),
                   EXISTS (SELECT 1 FROM pg_index i
                           WHERE i.indrelid = c.conrelid AND (i.indkey::int2[])[0:cardinality(c.conkey) - 1] = c.conkey)
            FROM pg_constraint c
            WHERE c.contype = 'f' AND c.confrelid::regclass::text IN ('events', 'deliveries', 'attempts')
            """);
        var keys = new List<(string Name, bool Cascades, bool Indexed)>();
        await using (var reader = await command.ExecuteReaderAsync())
            while (await reader.ReadAsync())
                keys.Add((reader.GetString(0), reader.GetBoolean(1), reader.GetBoolean(2)));

        Assert.Contains(keys, k => k.Name == "attempts -> deliveries");
        Assert.All(keys, k => Assert.True(k.Cascades && k.Indexed, $"{k.Name}: cascades {k.Cascades}, indexed {k.Indexed}"));
    }

    // The instance's own Hangfire server may be running the job at that moment.
    private async Task RunWhenFreeAsync(RecurringWorkRunner runner, Guid old)
    {
        for (var i = 0; i < 50 && await ExistsAsync(old); i++)
        {
            await runner.RunAsync("Retention", CancellationToken.None);
            await Task.Delay(100);
        }
    }

    private async Task<Guid> InsertEventAsync(DateTimeOffset at)
    {
        var id = Guid.CreateVersion7(at);
        await using var db = NpgsqlDataSource.Create(app.ConnectionString);
        await using var insert = db.CreateCommand("INSERT INTO events (id, type, payload, created_at) VALUES ($1, 'retention.timer', '{}', $2)");
        insert.Parameters.Add(new() { Value = id });
        insert.Parameters.Add(new() { Value = at });
        await insert.ExecuteNonQueryAsync();
        return id;
    }

    private async Task<bool> ExistsAsync(Guid id)
    {
        await using var db = NpgsqlDataSource.Create(app.ConnectionString);
        await using var command = db.CreateCommand("SELECT EXISTS (SELECT 1 FROM events WHERE id = $1)");
        command.Parameters.Add(new() { Value = id });
        return (bool)(await command.ExecuteScalarAsync())!;
    }
}
