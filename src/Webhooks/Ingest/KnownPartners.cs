using Microsoft.Extensions.Caching.Memory;
using Npgsql;

namespace Webhooks.Ingest;

/// <summary>Whether a partner id names a live partner; positive answers are cached briefly, as ingest asks per event.</summary>
public sealed class KnownPartners(NpgsqlDataSource dataSource, IMemoryCache cache)
{
    private static readonly TimeSpan CacheFor = TimeSpan.FromSeconds(30);

    public async ValueTask<bool> ExistsAsync(Guid id, CancellationToken cancellationToken)
    {
        if (cache.TryGetValue(("partner", id), out _)) return true;
        await using var command = dataSource.CreateCommand("SELECT 1 FROM partners WHERE id = $1 AND deleted_at IS NULL");
        command.Parameters.Add(new() { Value = id });
        if (await command.ExecuteScalarAsync(cancellationToken) is null) return false;
        cache.Set(("partner", id), true, CacheFor);
        return true;
    }
}
