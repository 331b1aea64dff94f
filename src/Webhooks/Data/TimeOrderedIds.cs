namespace Webhooks.Data;

/// <summary>
/// Ids are UUIDv7 (Guid.CreateVersion7 or <see cref="New"/> in the app, uuid_v7() in SQL): their first 48 bits are
/// the Unix milliseconds of creation, so PostgreSQL's uuid order is creation order and a time range is an id range.
/// </summary>
public static class TimeOrderedIds
{
    /// <summary>
    /// A new UUIDv7 for the ingest path, which makes four for each event. Guid.CreateVersion7 takes its random bits
    /// from the operating system's secure generator, a system call per id; ids are not secrets, so a fast generator does.
    /// </summary>
    public static Guid New() => New(DateTimeOffset.UtcNow);

    /// <summary>A new UUIDv7 whose time is <paramref name="at"/>'s millisecond, for a row whose created_at is that moment.</summary>
    public static Guid New(DateTimeOffset at)
    {
        Span<byte> bytes = stackalloc byte[16];
        Random.Shared.NextBytes(bytes[6..]);
        var milliseconds = at.ToUnixTimeMilliseconds();
        for (var i = 0; i < 6; i++) bytes[i] = (byte)(milliseconds >> (40 - 8 * i));
        bytes[6] = (byte)(0x70 | (bytes[6] & 0x0F)); // version 7
        bytes[8] = (byte)(0x80 | (bytes[8] & 0x3F)); // RFC 9562 variant
        return new Guid(bytes, bigEndian: true);
    }

    /// <summary>The smallest id that can have been made at or after this moment.</summary>
    public static Guid FirstAt(DateTimeOffset at)
    {
        var hex = Math.Max(0, at.ToUnixTimeMilliseconds()).ToString("x12");
        return Guid.Parse($"{hex[..8]}-{hex[8..12]}-0000-0000-000000000000");
    }
}
