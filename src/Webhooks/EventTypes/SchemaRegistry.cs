using System.Collections.Concurrent;
using NJsonSchema;
using Npgsql;

namespace Webhooks.EventTypes;

public sealed record CompiledEventType(string Name, int Version, bool Archived, JsonSchema Schema);

/// <summary>
/// Compiled schemas of the current versions, by event type name. A change on this instance takes
/// effect at once; a change on another instance within <see cref="PollInterval"/>, when the poll sees
/// event_types change and drops the cache.
/// </summary>
public sealed class SchemaRegistry(NpgsqlDataSource dataSource, ILogger<SchemaRegistry> logger) : BackgroundService
{
    public static readonly TimeSpan PollInterval = TimeSpan.FromSeconds(1);
    private readonly ConcurrentDictionary<string, Lazy<Task<CompiledEventType?>>> _cache = new();
    private (double, long)? _lastSeen;

    public Task<CompiledEventType?> GetAsync(string name)
    {
        var entry = _cache.GetOrAdd(name, n => new Lazy<Task<CompiledEventType?>>(() => LoadAsync(n)));
        var task = entry.Value;
        // Do not keep a failed load (the database was away, say): the next caller tries again.
        if (task.IsFaulted) _cache.TryRemove(KeyValuePair.Create(name, entry));
        return task;
    }

    public void Invalidate(string name) => _cache.TryRemove(name, out _);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(PollInterval);
        while (await timer.WaitForNextTickAsync(stoppingToken))
        {
            try
            {
                await using var command = dataSource.CreateCommand("SELECT coalesce(extract(epoch FROM max(updated_at)), 0)::float8, count(*) FROM event_types");
                await using var reader = await command.ExecuteReaderAsync(stoppingToken);
                await reader.ReadAsync(stoppingToken);
                var seen = (reader.GetDouble(0), reader.GetInt64(1));
                // The first poll clears too: schemas may have been loaded before it and changed since.
                if (_lastSeen != seen) _cache.Clear();
                _lastSeen = seen;
            }
            catch (Exception e) when (e is NpgsqlException or TimeoutException)
            {
                logger.LogDebug("Could not check event types for changes: {Message}", e.Message);
            }
        }
    }

    private async Task<CompiledEventType?> LoadAsync(string name)
    {
        await using var command = dataSource.CreateCommand("""
            SELECT t.current_version, t.archived_at IS NOT NULL, v.schema::text
            FROM event_types t JOIN event_type_versions v ON v.event_type = t.name AND v.version = t.current_version
            WHERE t.name = $1
            """);
        command.Parameters.Add(new() { Value = name });
        await using var reader = await command.ExecuteReaderAsync();
        if (!await reader.ReadAsync()) return null;
        var (version, archived, schemaJson) = (reader.GetInt32(0), reader.GetBoolean(1), reader.GetString(2));
        var compiled = await SchemaCompiler.CompileAsync(schemaJson, stored: true);
        if (compiled.Error is not null)
            throw new InvalidOperationException($"The stored schema of {name} v{version} no longer compiles: {compiled.Error}");
        return new CompiledEventType(name, version, archived, compiled.Schema!);
    }
}
