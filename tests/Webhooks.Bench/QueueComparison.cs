using System.Globalization;
using Webhooks.Subscriptions;

namespace Webhooks.Bench;

/// <summary>
/// Issue 13's yardstick: the one-endpoint scenario delivered by the service and by what a user could build instead (a
/// Standard Webhooks deliverer on graphile-worker), alternately in the same run on the same PostgreSQL server, with the
/// ratio of their medians. The goal is the service at 2.5 times graphile-worker or more.
/// </summary>
public static class QueueComparison
{
    private const double Goal = 2.5;

    /// <param name="warmUp">Deliveries each side makes in its process before it is timed: the service's app runs all rounds, so
    /// only its first round warms up that long; graphile-worker's deliverer is a new process every round.</param>
    public static async Task RunAsync(BenchStack stack, int events, int warmUp, int rounds = 3)
    {
        await GraphileWorker.InstallAsync();
        var databaseUrl = await GraphileWorker.CreateDatabaseAsync(stack.Cluster);
        var secret = SigningSecrets.Generate();
        await using var receiver = await CountingReceiver.StartAsync(secret);
        var ours = new List<double>();
        var theirs = new List<double>();
        for (var round = 1; round <= rounds; round++)
        {
            // Which goes first alternates, so that a drift of the machine's speed falls on both alike.
            if (round % 2 == 1) ours.Add(await OursAsync(stack, events, ours.Count == 0 ? warmUp : events / 4));
            var (rate, detail) = await GraphileWorker.RoundAsync(stack, receiver, databaseUrl, secret, events, warmUp, round);
            theirs.Add(rate);
            Console.WriteLine($"  round {round}, graphile-worker {GraphileWorker.Version}: {detail}");
            if (round % 2 == 0) ours.Add(await OursAsync(stack, events, ours.Count == 0 ? warmUp : events / 4));
        }
        var (ourMedian, theirMedian) = (Median(ours), Median(theirs));
        Console.WriteLine($"compare-queue ({events} deliveries to one endpoint, {rounds} rounds each, alternating): " +
                          $"the service median {ourMedian:F0} deliveries/s (rounds: {Rounds(ours)}), " +
                          $"graphile-worker {GraphileWorker.Version} median {theirMedian:F0} deliveries/s (rounds: {Rounds(theirs)}); " +
                          $"ratio {ourMedian / theirMedian:F2}x (goal: {Goal:F1}x or more: {(ourMedian / theirMedian >= Goal ? "met" : "not met")})");
    }

    /// <summary>One round of the service's side (after its warm-up), as the one-endpoint mode runs it.</summary>
    private static Task<double> OursAsync(BenchStack stack, int events, int warmUp) => DeliveryBench.OneEndpointAsync(stack, events, warmUp, rounds: 1);

    private static double Median(List<double> rates) => rates.Order().ElementAt(rates.Count / 2);

    private static string Rounds(List<double> rates) => string.Join(", ", rates.Select(r => r.ToString("F0", CultureInfo.InvariantCulture)));
}
