using Npgsql;
using Webhooks.Data;

namespace Webhooks.Tests.Infrastructure;

/// <summary>
/// One PostgreSQL cluster per test run, started from the machine's binaries in a temporary
/// directory; every test class gets a database of its own in it.
/// </summary>
public static class TestPostgres
{
    private static readonly Lazy<Task<LocalPostgres>> Cluster = new(StartAsync);

    public static async Task<string> CreateDatabaseAsync()
    {
        var cluster = await Cluster.Value;
        var name = "test_" + Guid.NewGuid().ToString("N");
        var admin = new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Database = "postgres", Pooling = false };
        await using (var connection = new NpgsqlConnection(admin.ConnectionString))
        {
            await connection.OpenAsync();
            await using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            await create.ExecuteNonQueryAsync();
        }
        // Idle pooled connections close after 15 s rather than 5 minutes: every test class's app has two pools (requests and
        // Hangfire), and the classes that ran earlier must not keep the cluster's connections taken.
        // The app's own default connect timeout (3 s, to answer 503 quickly when the database is away) is shorter than a new
        // backend can take to start on a loaded 2-core machine; tests run where it is, and the database is never away by a timeout here.
        return new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Database = name, Timeout = 15, ConnectionIdleLifetime = 15 }.ConnectionString;
    }

    /// <summary>A cluster of its own, for tests that stop and start PostgreSQL.</summary>
    public static async Task<LocalPostgres> StartPrivateClusterAsync()
    {
        var cluster = new LocalPostgres(TempDirectory(), settings: TestSettings);
        await cluster.StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Remove(cluster);
        return cluster;
    }

    public static void Remove(LocalPostgres cluster)
    {
        cluster.Stop(immediate: true);
        try { Directory.Delete(Path.GetDirectoryName(cluster.DataDirectory)!, recursive: true); } catch (IOException) { }
    }

    private static readonly Dictionary<string, string> TestSettings = new()
    {
        // The tests kill processes, not the machine: fsync buys nothing here but time.
        ["fsync"] = "off",
        ["full_page_writes"] = "off",
        ["max_connections"] = "1000",
        ["shared_buffers"] = "128MB",
    };

    private static async Task<LocalPostgres> StartAsync()
    {
        var cluster = new LocalPostgres(TempDirectory(), settings: TestSettings);
        await cluster.StartAsync();
        AppDomain.CurrentDomain.ProcessExit += (_, _) => Remove(cluster);
        return cluster;
    }

    private static readonly Lazy<bool> StaleSwept = new(SweepStaleClusters);

    private static string TempDirectory()
    {
        _ = StaleSwept.Value;
        var root = Path.Combine(Path.GetTempPath(), "wh-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        return Path.Combine(root, "pg");
    }

    /// <summary>
    /// A cluster is meant to be removed when its test run's process exits, but the test runner stops the test host while
    /// pg_ctl is still waiting for the postmaster (seen on every run here), so each run leaves its clusters behind, and
    /// repeated local runs filled this machine's disk. So a run first removes the clusters made over an hour ago (the
    /// folder is written once, when the cluster is made) whose postmaster is not running.
    /// </summary>
    private static bool SweepStaleClusters()
    {
        var cutoff = DateTime.UtcNow.AddHours(-1);
        foreach (var root in Directory.EnumerateDirectories(Path.GetTempPath(), "wh-*"))
        {
            var data = Path.Combine(root, "pg");
            if (!Directory.Exists(data) || Directory.GetLastWriteTimeUtc(root) > cutoff || PostmasterRuns(data)) continue;
            try { Directory.Delete(root, recursive: true); } catch (Exception e) when (e is IOException or UnauthorizedAccessException) { }
        }
        return true;
    }

    private static bool PostmasterRuns(string data)
    {
        var pidFile = Path.Combine(data, "postmaster.pid");
        if (!File.Exists(pidFile)) return false;
        try { return int.TryParse(File.ReadLines(pidFile).FirstOrDefault(), out var pid) && Directory.Exists($"/proc/{pid}"); }
        catch (IOException) { return true; }
    }
}
