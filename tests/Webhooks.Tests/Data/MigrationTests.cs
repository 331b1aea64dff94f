using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Webhooks.Data;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Data;

public sealed class MigrationTests
{
    private static async Task<(NpgsqlDataSource, Migrator)> EmptyDatabase()
    {
        var dataSource = NpgsqlDataSource.Create(await TestPostgres.CreateDatabaseAsync());
        return (dataSource, new Migrator(dataSource, NullLogger<Migrator>.Instance));
    }

    private static async Task<long> Scalar(NpgsqlDataSource dataSource, string sql)
    {
        await using var command = dataSource.CreateCommand(sql);
        return Convert.ToInt64(await command.ExecuteScalarAsync());
    }

    [Fact]
    public async Task Migrations_apply_to_an_empty_database_each_once()
    {
        var (dataSource, migrator) = await EmptyDatabase();
        await using var _ = dataSource;

        await migrator.MigrateAsync();
        await migrator.MigrateAsync();

        Assert.Equal(Migrator.Scripts.Count, await Scalar(dataSource, "SELECT count(*) FROM schema_migrations"));
        Assert.True(await migrator.IsUpToDateAsync(CancellationToken.None));
        Assert.Equal(1, await Scalar(dataSource, "SELECT count(*) FROM pg_indexes WHERE indexname = 'deliveries_due'"));
        Assert.Equal(["0001_initial", "0002_ingest"], Migrator.Scripts.Take(2).Select(s => s.Version));
    }

    [Fact]
    public async Task A_changed_migration_stops_the_app_with_a_clear_error()
    {
        var (dataSource, migrator) = await EmptyDatabase();
        await using var _ = dataSource;
        await migrator.MigrateAsync();
        await using (var tamper = dataSource.CreateCommand("UPDATE schema_migrations SET checksum = 'edited' WHERE version = '0001_initial'"))
            await tamper.ExecuteNonQueryAsync();

        var error = await Assert.ThrowsAsync<InvalidOperationException>(() => migrator.MigrateAsync());

        Assert.Contains("0001_initial", error.Message);
        Assert.Contains("changed after it was applied", error.Message);
    }

    [Fact]
    public async Task Migrators_racing_on_one_empty_database_apply_everything_once()
    {
        var (dataSource, _) = await EmptyDatabase();
        await using var __ = dataSource;
        var migrators = Enumerable.Range(0, 4).Select(_ => new Migrator(dataSource, NullLogger<Migrator>.Instance)).ToList();

        await Task.WhenAll(migrators.Select(m => Task.Run(() => m.MigrateAsync())));

        Assert.Equal(Migrator.Scripts.Count, await Scalar(dataSource, "SELECT count(*) FROM schema_migrations"));
    }

    [Fact]
    public async Task Two_instances_starting_together_on_an_empty_database_both_come_up_with_one_admin()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        var settings = new Dictionary<string, string?> { ["ConnectionStrings:Webhooks"] = connectionString, ["Webhooks:Bootstrap:AdminApiKey"] = "" };
        await using var first = new ConfiguredApp(settings);
        await using var second = new ConfiguredApp(settings);

        await Task.WhenAll(Task.Run(first.InitializeAsync), Task.Run(second.InitializeAsync));

        await using var dataSource = NpgsqlDataSource.Create(connectionString);
        Assert.Equal(1, await Scalar(dataSource, "SELECT count(*) FROM api_keys WHERE 'admin' = ANY (scopes)"));
        Assert.Equal(1, await Scalar(dataSource, "SELECT count(*) FROM ui_users WHERE username = 'admin'"));
        Assert.Equal(Migrator.Scripts.Count, await Scalar(dataSource, "SELECT count(*) FROM schema_migrations"));
        foreach (var app in new[] { first, second })
            Assert.Equal(System.Net.HttpStatusCode.OK, (await app.Client(apiKey: null).GetAsync("/readyz")).StatusCode);
    }
}
