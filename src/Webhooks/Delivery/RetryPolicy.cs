using System.Net;
using System.Net.Http.Headers;
using Microsoft.Extensions.Options;

namespace Webhooks.Delivery;

/// <summary>What follows an attempt: done, another try after the schedule's delay (with jitter, or Retry-After), dead, or paused.</summary>
public sealed class RetryPolicy(IOptionsMonitor<DeliveryOptions> options)
{
    public static readonly TimeSpan MaxRetryAfter = TimeSpan.FromHours(24);
    private const double Jitter = 0.2;

    public Attempted Decide(ClaimedDelivery delivery, AttemptResult attempt)
    {
        if (attempt.Succeeded) return new Attempted(delivery, attempt, DeliveryStatus.Succeeded, TimeSpan.Zero);
        // 410: the subscription is disabled; the delivery waits with the others until it is enabled again.
        if (attempt.StatusCode == (int)HttpStatusCode.Gone) return new Attempted(delivery, attempt, DeliveryStatus.Paused, TimeSpan.Zero);
        var schedule = options.CurrentValue.RetrySchedule;
        if (delivery.ScheduledAttempt > schedule.Length) return new Attempted(delivery, attempt, DeliveryStatus.Dead, TimeSpan.Zero);
        var delay = WithJitter(schedule[delivery.ScheduledAttempt - 1]);
        if (attempt.RetryAfter is { } retryAfter && retryAfter > delay) delay = retryAfter;
        return new Attempted(delivery, attempt, DeliveryStatus.Pending, delay);
    }

    public static TimeSpan WithJitter(TimeSpan delay) => delay * (1 - Jitter + 2 * Jitter * Random.Shared.NextDouble());

    /// <summary>Retry-After of a 429 or 503 (seconds or an HTTP date), capped at 24 hours.</summary>
    public static TimeSpan? RetryAfter(int statusCode, RetryConditionHeaderValue? header, DateTimeOffset now)
    {
        if (statusCode is not (429 or 503) || header is null) return null;
        var wait = header.Delta ?? (header.Date is { } date ? date - now : null);
        if (wait is not { } w || w <= TimeSpan.Zero) return null;
        return w > MaxRetryAfter ? MaxRetryAfter : w;
    }
}
