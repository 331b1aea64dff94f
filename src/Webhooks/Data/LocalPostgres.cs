using System.Diagnostics;
using Npgsql;

namespace Webhooks.Data;

/// <summary>
/// A private PostgreSQL cluster run from the machine's binaries in a directory of its own, reached
/// through a Unix socket in that directory (no TCP port to collide with). Used when no connection
/// string is configured, and by the tests.
/// </summary>
public sealed class LocalPostgres
{
    private const string Database = "webhooks";
    private readonly string _binDirectory;
    private readonly bool _asPostgresUser = Environment.UserName == "root";

    public LocalPostgres(string dataDirectory, string? binDirectory = null, IReadOnlyDictionary<string, string>? settings = null)
    {
        DataDirectory = Path.GetFullPath(dataDirectory);
        _binDirectory = string.IsNullOrEmpty(binDirectory) ? FindBinDirectory() : binDirectory;
        Settings = settings ?? new Dictionary<string, string>();
        if (Path.Combine(DataDirectory, ".s.PGSQL.5432").Length > 100)
            throw new InvalidOperationException($"The PostgreSQL data directory path '{DataDirectory}' is too long for a Unix socket; choose a shorter Webhooks:LocalPostgres:DataDirectory.");
    }

    public string DataDirectory { get; }
    public IReadOnlyDictionary<string, string> Settings { get; }

    public string ConnectionString => new NpgsqlConnectionStringBuilder
    {
        Host = DataDirectory,
        Username = "postgres",
        Database = Database,
    }.ConnectionString;

    /// <summary>Creates the cluster the first time, starts it unless it already runs, and creates the database.</summary>
    public async Task StartAsync()
    {
        if (!File.Exists(Path.Combine(DataDirectory, "PG_VERSION")))
            Initialize();
        if (Run("pg_ctl", "status", "-D", DataDirectory).ExitCode != 0)
        {
            var started = Run("pg_ctl", "start", "-w", "-t", "60", "-D", DataDirectory, "-l", Path.Combine(DataDirectory, "server.log"));
            if (started.ExitCode != 0)
                throw new InvalidOperationException($"PostgreSQL did not start in {DataDirectory}: {started.Output} (see {Path.Combine(DataDirectory, "server.log")})");
        }
        await CreateDatabaseAsync();
    }

    public void Stop(bool immediate = false) =>
        Run("pg_ctl", "stop", "-w", "-D", DataDirectory, "-m", immediate ? "immediate" : "fast");

    private void Initialize()
    {
        Directory.CreateDirectory(DataDirectory);
        if (_asPostgresUser)
            Process.Start("chown", ["-R", "postgres:postgres", DataDirectory]).WaitForExit();
        var init = Run("initdb", "-D", DataDirectory, "-U", "postgres", "--auth-local=trust", "--auth-host=reject", "-E", "UTF8", "--no-instructions");
        if (init.ExitCode != 0)
            throw new InvalidOperationException($"initdb failed in {DataDirectory}: {init.Output}");
        var conf = new Dictionary<string, string>
        {
            ["listen_addresses"] = "''",
            ["unix_socket_directories"] = $"'{DataDirectory}'",
            ["max_connections"] = "300",
            ["shared_buffers"] = "256MB",
            // Ingest writes WAL fast; fewer checkpoints mean fewer full-page images in it.
            ["max_wal_size"] = "4GB",
            ["checkpoint_timeout"] = "15min",
            // A new cluster creates a WAL file every 16 MB; filled with zeros first, each one stalls the commit that needs it.
            // Without the zeros a new file costs a single write, and the files kept for reuse cover a checkpoint's worth.
            ["wal_init_zero"] = "off",
            ["min_wal_size"] = "1GB",
        };
        foreach (var (key, value) in Settings) conf[key] = value;
        File.AppendAllLines(Path.Combine(DataDirectory, "postgresql.conf"), conf.Select(kv => $"{kv.Key} = {kv.Value}"));
    }

    private async Task CreateDatabaseAsync()
    {
        var admin = new NpgsqlConnectionStringBuilder(ConnectionString) { Database = "postgres", Pooling = false };
        await using var connection = new NpgsqlConnection(admin.ConnectionString);
        await connection.OpenAsync();
        await using var exists = new NpgsqlCommand($"SELECT 1 FROM pg_database WHERE datname = '{Database}'", connection);
        if (await exists.ExecuteScalarAsync() is null)
        {
            await using var create = new NpgsqlCommand($"CREATE DATABASE {Database}", connection);
            await create.ExecuteNonQueryAsync();
        }
    }

    private (int ExitCode, string Output) Run(string tool, params string[] arguments)
    {
        var start = new ProcessStartInfo(_asPostgresUser ? "runuser" : Path.Combine(_binDirectory, tool))
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (_asPostgresUser)
            foreach (var a in new[] { "-u", "postgres", "--", Path.Combine(_binDirectory, tool) }) start.ArgumentList.Add(a);
        foreach (var a in arguments) start.ArgumentList.Add(a);
        using var process = Process.Start(start)!;
        // Read stderr in the background: pg_ctl start leaves the server holding stdout open otherwise.
        var error = process.StandardError.ReadToEndAsync();
        var output = process.StandardOutput.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, (output.Result + error.Result).Trim());
    }

    private static string FindBinDirectory()
    {
        var installed = Directory.Exists("/usr/lib/postgresql")
            ? Directory.GetDirectories("/usr/lib/postgresql")
                .Select(d => Path.Combine(d, "bin"))
                .Where(d => File.Exists(Path.Combine(d, "pg_ctl")))
                .OrderByDescending(d => int.TryParse(Path.GetFileName(Path.GetDirectoryName(d)), out var v) ? v : 0)
            : Enumerable.Empty<string>();
        var onPath = (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':').Where(d => File.Exists(Path.Combine(d, "pg_ctl")));
        return installed.Concat(onPath).FirstOrDefault()
            ?? throw new InvalidOperationException(
                "ConnectionStrings:Webhooks is empty and no PostgreSQL server binaries (initdb, pg_ctl) were found to start a private cluster. " +
                "Install them (Debian: apt-get install postgresql), set Webhooks:LocalPostgres:BinDirectory, or set ConnectionStrings:Webhooks.");
    }
}
