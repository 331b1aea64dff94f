using System.Diagnostics;
using System.Text.Json;
using System.Threading.Channels;
using Npgsql;
using Webhooks.Data;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Bench;

/// <summary>
/// The deliverer a user could build instead of the service (graphile-deliverer.mjs on graphile-worker, Node.js), installed
/// with npm into a cache folder and run against a database of its own in the bench's PostgreSQL cluster, one process a round.
/// </summary>
public static class GraphileWorker
{
    public const string Version = "0.18.0";
    private const string Database = "graphile_queue";
    private const string Script = "graphile-deliverer.mjs";
    private static readonly string Folder = Path.Combine(Path.GetTempPath(), "webhooks-bench-graphile-worker-" + Version);

    /// <summary>Installs graphile-worker when the cache folder lacks it, and puts the script beside its node_modules so its import resolves.</summary>
    public static async Task InstallAsync()
    {
        if (!File.Exists(Path.Combine(Folder, "node_modules", "graphile-worker", "package.json")))
        {
            Directory.CreateDirectory(Folder);
            // The package asks for Node.js 22.18 or newer; it runs on this machine's Node.js 20, and npm only warns.
            var (code, output, error) = await ExternalProcess.RunAsync("npm", Folder, TimeSpan.FromMinutes(5), new Dictionary<string, string>(),
                "install", "--no-audit", "--no-fund", "--prefix", Folder, "graphile-worker@" + Version);
            if (code != 0) throw new InvalidOperationException($"npm install graphile-worker@{Version} failed: {output}{error}");
        }
        File.Copy(Path.Combine(AppContext.BaseDirectory, Script), Path.Combine(Folder, Script), overwrite: true);
    }

    /// <summary>Creates the queue's database in <paramref name="cluster"/> and returns its URL for node-postgres (through the cluster's Unix socket).</summary>
    public static async Task<string> CreateDatabaseAsync(LocalPostgres cluster)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE {Database}", connection);
        await create.ExecuteNonQueryAsync();
        return $"postgres:///{Database}?host={Uri.EscapeDataString(cluster.DataDirectory)}&user=postgres";
    }

    /// <summary>
    /// One round: a new deliverer process migrates, starts and warms up with <paramref name="warmUp"/> deliveries; then, timed from
    /// the moment it is told to add its jobs to the last arrival at <paramref name="receiver"/>, it delivers <paramref name="events"/>.
    /// </summary>
    public static async Task<(double Rate, string Detail)> RoundAsync(BenchStack stack, CountingReceiver receiver, string databaseUrl, string secret, int events, int warmUp, int round)
    {
        var payloads = Path.Combine(stack.Root, $"graphile-payloads-{events}.json");
        if (!File.Exists(payloads))
            await File.WriteAllTextAsync(payloads, JsonSerializer.Serialize(Enumerable.Range(0, events).Select(BenchStack.Payload)));
        var start = new ProcessStartInfo("node", [Path.Combine(Folder, Script)])
        {
            WorkingDirectory = Folder,
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            Environment =
            {
                ["DATABASE_URL"] = databaseUrl,
                ["RECEIVER_URL"] = receiver.Url,
                ["WEBHOOK_SECRET"] = secret,
                ["EVENT_TYPE"] = "bench.order",
                ["PAYLOADS_FILE"] = payloads,
                ["WARM_UP"] = warmUp.ToString(),
                ["ROUND"] = round.ToString(),
                ["NO_LOG_SUCCESS"] = "1",
            },
        };
        using var node = new DelivererProcess(Process.Start(start)!);
        try
        {
            await node.ExpectAsync("ready", TimeSpan.FromMinutes(5));
            receiver.Reset();
            var cpu = (Node: CpuTime.Of(node.Id), Postgres: CpuTime.OfPostgres(stack.Cluster.DataDirectory));
            var commits = await CommitsAsync(stack.Cluster);
            var started = Stopwatch.GetTimestamp();
            await node.SendAsync("go");
            var deadline = DateTime.UtcNow.AddMinutes(3);
            while (receiver.Unique < events && DateTime.UtcNow < deadline && !node.HasExited) await Task.Delay(5);
            var elapsed = Stopwatch.GetElapsedTime(started);
            var nodeCpu = (CpuTime.Of(node.Id) - cpu.Node) * 1e6 / events;
            var postgresCpu = (CpuTime.OfPostgres(stack.Cluster.DataDirectory) - cpu.Postgres) * 1e6 / events;
            var perCommit = (double)events / Math.Max(1, await CommitsAsync(stack.Cluster) - commits);
            var added = (await node.ExpectAsync("added ", TimeSpan.FromSeconds(30)))["added ".Length..];
            await node.ExpectAsync("done ", TimeSpan.FromSeconds(30));
            await node.SendAsync("stop");
            var failed = (await node.ExpectAsync("stopped ", TimeSpan.FromSeconds(30)))["stopped ".Length..];
            var left = await JobsLeftAsync(stack.Cluster);
            var rate = receiver.Unique / elapsed.TotalSeconds;
            var signature = receiver.FirstSignatureValid switch { true => "signature verified", false => "SIGNATURE INVALID", null => "no request checked" };
            return (rate, $"{receiver.Unique}/{events} delivered in {elapsed.TotalSeconds:F1} s: {rate:F0} deliveries/s (first job added to last arrival; " +
                          $"jobs all added after {added} ms); CPU per delivery: Node.js {nodeCpu:F0} µs, PostgreSQL {postgresCpu:F0} µs; " +
                          $"{perCommit:F1} deliveries per commit; {receiver.Requests - receiver.Unique} repeats, {failed} failed attempts, {left} jobs left in the queue; {signature}");
        }
        catch (Exception e) when (e is TimeoutException or InvalidOperationException)
        {
            throw new InvalidOperationException($"graphile-worker round {round} failed: {e.Message}\n{node.Errors}", e);
        }
    }

    private static async Task<long> CommitsAsync(LocalPostgres cluster)
    {
        await using var connection = new NpgsqlConnection(cluster.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand($"SELECT xact_commit FROM pg_stat_database WHERE datname = '{Database}'", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>Jobs still queued once the deliverer stopped: none when every completion was written back.</summary>
    private static async Task<long> JobsLeftAsync(LocalPostgres cluster)
    {
        await using var connection = new NpgsqlConnection(new NpgsqlConnectionStringBuilder(cluster.ConnectionString) { Database = Database, Pooling = false }.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM graphile_worker.jobs", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The Node.js process, spoken to a line at a time. Disposing closes its stdin, which stops it; it is killed if it has not exited 10 s later.</summary>
    private sealed class DelivererProcess : IDisposable
    {
        private readonly Process _process;
        private readonly Channel<string> _lines = Channel.CreateUnbounded<string>();
        private readonly List<string> _errors = [];

        public DelivererProcess(Process process)
        {
            _process = process;
            process.OutputDataReceived += (_, e) => { if (e.Data is null) _lines.Writer.TryComplete(); else _lines.Writer.TryWrite(e.Data); };
            process.ErrorDataReceived += (_, e) => { if (e.Data is not null) lock (_errors) _errors.Add(e.Data); };
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
        }

        public int Id => _process.Id;
        public bool HasExited => _process.HasExited;
        public string Errors { get { lock (_errors) return string.Join('\n', _errors.TakeLast(40)); } }

        public async Task SendAsync(string line)
        {
            await _process.StandardInput.WriteLineAsync(line);
            await _process.StandardInput.FlushAsync();
        }

        /// <summary>The next line that starts with <paramref name="prefix"/>; the lines before it are skipped.</summary>
        public async Task<string> ExpectAsync(string prefix, TimeSpan timeout)
        {
            using var cancel = new CancellationTokenSource(timeout);
            try
            {
                while (await _lines.Reader.WaitToReadAsync(cancel.Token))
                    while (_lines.Reader.TryRead(out var line))
                        if (line.StartsWith(prefix, StringComparison.Ordinal)) return line;
            }
            catch (OperationCanceledException) { throw new TimeoutException($"the deliverer did not print '{prefix.Trim()}' within {timeout.TotalSeconds:F0} s"); }
            throw new InvalidOperationException($"the deliverer exited (code {(_process.WaitForExit(5000) ? _process.ExitCode : -1)}) before printing '{prefix.Trim()}'");
        }

        public void Dispose()
        {
            try { _process.StandardInput.Close(); } catch (IOException) { }
            if (!_process.WaitForExit(TimeSpan.FromSeconds(10))) _process.Kill(entireProcessTree: true);
            _process.Dispose();
        }
    }
}
