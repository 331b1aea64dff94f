namespace Webhooks.Delivery;

/// <summary>
/// What a batch of attempts says about one subscription's health: the last success, and the failures
/// after it (a success ends a failure streak; failures after it start a new one).
/// </summary>
public sealed record SubscriptionHealthUpdate(
    Guid Subscription, DateTimeOffset? SuccessAt, DateTimeOffset? FirstFailureAt, DateTimeOffset? LastFailureAt, int Failures, bool Gone)
{
    public static List<SubscriptionHealthUpdate> From(IEnumerable<Attempted> attempts) =>
        attempts.GroupBy(a => a.Delivery.SubscriptionId).Select(g =>
        {
            var ordered = g.Select(a => a.Attempt).OrderBy(a => a.At).ToList();
            var lastSuccess = ordered.FindLastIndex(a => a.Succeeded);
            var failures = ordered.Skip(lastSuccess + 1).ToList();
            return new SubscriptionHealthUpdate(
                g.Key,
                lastSuccess >= 0 ? ordered[lastSuccess].At : null,
                failures.Count > 0 ? failures[0].At : null,
                failures.Count > 0 ? failures[^1].At : null,
                failures.Count,
                failures.Any(a => a.StatusCode == 410));
        }).ToList();
}
