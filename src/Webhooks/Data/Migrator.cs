using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Npgsql;

namespace Webhooks.Data;

/// <summary>
/// Applies the numbered SQL files embedded from migrations/, in order, each once and in its own
/// transaction, under an advisory lock so that instances starting together take turns.
/// </summary>
public sealed class Migrator(NpgsqlDataSource dataSource, ILogger<Migrator> logger)
{
    public const long AdvisoryLock = 0x7765_6268_6f6f_6b73; // "webhooks"

    public static IReadOnlyList<(string Version, string Sql)> Scripts { get; } = LoadScripts();

    public async Task MigrateAsync(CancellationToken cancellationToken = default)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        await Execute(connection, $"SELECT pg_advisory_lock({AdvisoryLock})", cancellationToken);
        try
        {
            await Execute(connection, """
                CREATE TABLE IF NOT EXISTS schema_migrations (
                    version    text PRIMARY KEY,
                    checksum   text NOT NULL,
                    applied_at timestamptz NOT NULL DEFAULT now())
                """, cancellationToken);
            var applied = new Dictionary<string, string>();
            await using (var read = new NpgsqlCommand("SELECT version, checksum FROM schema_migrations", connection))
            await using (var reader = await read.ExecuteReaderAsync(cancellationToken))
                while (await reader.ReadAsync(cancellationToken))
                    applied[reader.GetString(0)] = reader.GetString(1);

            foreach (var (version, sql) in Scripts)
            {
                var checksum = Checksum(sql);
                if (applied.TryGetValue(version, out var recorded))
                {
                    if (recorded != checksum)
                        throw new InvalidOperationException(
                            $"Migration {version} was changed after it was applied (checksum {recorded} in the database, {checksum} now). " +
                            "Applied migrations must never change: add a new numbered file instead.");
                    continue;
                }
                await using var transaction = await connection.BeginTransactionAsync(cancellationToken);
                await using (var apply = new NpgsqlCommand(sql, connection, transaction))
                    await apply.ExecuteNonQueryAsync(cancellationToken);
                await using (var record = new NpgsqlCommand("INSERT INTO schema_migrations (version, checksum) VALUES ($1, $2)", connection, transaction))
                {
                    record.Parameters.Add(new() { Value = version });
                    record.Parameters.Add(new() { Value = checksum });
                    await record.ExecuteNonQueryAsync(cancellationToken);
                }
                await transaction.CommitAsync(cancellationToken);
                logger.LogInformation("Applied migration {Version}", version);
            }
        }
        finally
        {
            await Execute(connection, $"SELECT pg_advisory_unlock({AdvisoryLock})", CancellationToken.None);
        }
    }

    /// <summary>True when every embedded migration is recorded as applied.</summary>
    public async Task<bool> IsUpToDateAsync(CancellationToken cancellationToken)
    {
        await using var command = dataSource.CreateCommand("SELECT count(*) FROM schema_migrations WHERE version = ANY($1)");
        command.Parameters.Add(new() { Value = Scripts.Select(s => s.Version).ToArray() });
        return (long)(await command.ExecuteScalarAsync(cancellationToken))! == Scripts.Count;
    }

    private static async Task Execute(NpgsqlConnection connection, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    private static string Checksum(string sql) =>
        Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(sql.ReplaceLineEndings("\n"))));

    private static List<(string, string)> LoadScripts()
    {
        var assembly = Assembly.GetExecutingAssembly();
        return assembly.GetManifestResourceNames()
            .Where(n => n.StartsWith("migrations/", StringComparison.Ordinal) && n.EndsWith(".sql", StringComparison.Ordinal))
            .Order(StringComparer.Ordinal)
            .Select(n =>
            {
                using var reader = new StreamReader(assembly.GetManifestResourceStream(n)!);
                return (Path.GetFileNameWithoutExtension(n), reader.ReadToEnd());
            })
            .ToList();
    }
}
