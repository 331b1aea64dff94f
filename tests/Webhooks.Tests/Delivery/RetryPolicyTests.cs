using System.Net.Http.Headers;
using Webhooks.Delivery;

namespace Webhooks.Tests.Delivery;

public sealed class RetryPolicyTests
{
    [Fact]
    public void Jitter_keeps_every_delay_within_twenty_percent()
    {
        var delays = Enumerable.Range(0, 1000).Select(_ => RetryPolicy.WithJitter(TimeSpan.FromSeconds(100)).TotalSeconds).ToList();
        Assert.All(delays, d => Assert.InRange(d, 80, 120));
        Assert.True(delays.Max() - delays.Min() > 20, "the delays should spread");
    }

    [Fact]
    public void Retry_after_counts_only_on_429_and_503_and_is_capped_at_a_day()
    {
        var now = DateTimeOffset.UtcNow;
        Assert.Equal(TimeSpan.FromSeconds(120), RetryPolicy.RetryAfter(429, new RetryConditionHeaderValue(TimeSpan.FromSeconds(120)), now));
        Assert.Equal(TimeSpan.FromHours(24), RetryPolicy.RetryAfter(503, new RetryConditionHeaderValue(TimeSpan.FromDays(3)), now));
        Assert.Null(RetryPolicy.RetryAfter(500, new RetryConditionHeaderValue(TimeSpan.FromSeconds(120)), now));
        var date = RetryPolicy.RetryAfter(503, new RetryConditionHeaderValue(now.AddMinutes(10)), now);
        Assert.InRange(date!.Value.TotalMinutes, 9, 10.1);
    }
}
