namespace Webhooks.Data;

/// <summary>
/// Ids are UUIDv7 (Guid.CreateVersion7 in the app, uuid_v7() in SQL): their first 48 bits are the Unix
/// milliseconds of creation, so PostgreSQL's uuid order is creation order and a time range is an id range.
/// </summary>
public static class TimeOrderedIds
{
    /// <summary>The smallest id that can have been made at or after this moment.</summary>
    public static Guid FirstAt(DateTimeOffset at)
    {
        var hex = Math.Max(0, at.ToUnixTimeMilliseconds()).ToString("x12");
        return Guid.Parse($"{hex[..8]}-{hex[8..12]}-0000-0000-000000000000");
    }
}
