using Webhooks.Data;

namespace Webhooks.Tests.Data;

public sealed class TimeOrderedIdsTests
{
    private static long Milliseconds(Guid id)
    {
        var bytes = id.ToByteArray(bigEndian: true);
        return bytes[..6].Aggregate(0L, (ms, b) => (ms << 8) | b);
    }

    [Fact]
    public void New_ids_are_version_7_with_the_creation_millisecond_first()
    {
        var before = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var id = TimeOrderedIds.New();
        var after = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

        Assert.Equal(7, id.Version);
        Assert.Equal(0b10, id.Variant >> 2);
        Assert.InRange(Milliseconds(id), before, after);
    }

    [Fact]
    public void An_id_made_for_a_moment_carries_that_moments_millisecond()
    {
        var at = DateTimeOffset.Parse("2026-03-04T05:06:07.8919Z");
        Assert.Equal(at.ToUnixTimeMilliseconds(), Milliseconds(TimeOrderedIds.New(at)));
        Assert.Equal(7, TimeOrderedIds.New(at).Version);
    }

    [Fact]
    public async Task New_ids_sort_in_creation_order_bytewise_as_PostgreSQL_compares_uuids_and_do_not_repeat()
    {
        var earlier = TimeOrderedIds.New();
        await Task.Delay(2);
        var later = TimeOrderedIds.New();
        Assert.True(earlier.ToByteArray(bigEndian: true).AsSpan().SequenceCompareTo(later.ToByteArray(bigEndian: true)) < 0);
        Assert.True(TimeOrderedIds.FirstAt(DateTimeOffset.FromUnixTimeMilliseconds(Milliseconds(later))).CompareTo(later) <= 0);

        var many = Enumerable.Range(0, 200_000).Select(_ => TimeOrderedIds.New()).ToHashSet();
        Assert.Equal(200_000, many.Count);
    }
}
