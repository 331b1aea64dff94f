namespace Webhooks.Stats;

/// <summary>How the service is doing: the dashboard and GET /api/v1/stats show the same numbers.</summary>
public sealed record ServiceStats(
    DateTimeOffset At,
    double EventsPerMinute,
    double? SuccessRate,
    long Pending,
    long Paused,
    long Dead,
    IReadOnlyList<EndpointStat> FailingEndpoints,
    IReadOnlyList<EndpointStat> SlowestEndpoints,
    IReadOnlyList<HourStat> LastDay);

/// <summary>One subscription's endpoint: its failure streak, and the mean duration of its attempts in the last 24 hours.</summary>
public sealed record EndpointStat(
    Guid SubscriptionId, Guid PartnerId, string PartnerName, string Url, bool Enabled, int FailureStreak,
    DateTimeOffset? LastSuccessAt, DateTimeOffset? LastFailureAt, double? MeanDurationMs, long Attempts);

/// <summary>One hour of the last 24: events received, attempts that succeeded and that failed.</summary>
public sealed record HourStat(DateTimeOffset Hour, long Events, long Succeeded, long Failed);
