using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Brokers;

/// <summary>What the broker source tests share: counting the events a source made, and feeding an instance that is then killed.</summary>
internal static class SourceFeed
{
    public static Task<long> EventCount(string connectionString, string type) =>
        DeliveryData.Scalar<long>(connectionString, "SELECT count(*) FROM events WHERE type = $1", type);

    /// <summary>
    /// Publishes messages numbered from 0, a chunk at a time, while <paramref name="app"/> consumes them, at most two chunks
    /// ahead of the events it has made, and kills it once it has made <paramref name="killAt"/> events. What is not yet
    /// published cannot be consumed, so however the machine schedules the test, the instance is killed before it has them
    /// all. (With the whole backlog queued at the start, a stall of the test once let an instance consume all 10,000 before
    /// the kill, in a clean-clone run.) Answers how many were published and how many events there were after the kill.
    /// </summary>
    public static async Task<(int Published, long AtKill)> FeedThenKillAsync(
        AppProcess app, string connectionString, string type, Func<int, int, Task> publish, int chunk, int killAt)
    {
        var published = 0;
        var deadline = DateTime.UtcNow.AddSeconds(60);
        for (long made; (made = await EventCount(connectionString, type)) < killAt && DateTime.UtcNow < deadline;)
        {
            if (made < published - chunk) { await Task.Delay(10); continue; }
            await publish(published, chunk);
            published += chunk;
        }
        app.Kill();
        return (published, await EventCount(connectionString, type));
    }
}
