using Microsoft.Extensions.Time.Testing;
using Webhooks.Delivery;

namespace Webhooks.Tests.Delivery;

/// <summary>The adaptive in-flight limit and the hold limit of one endpoint, driven by the answers it gives.</summary>
public sealed class EndpointGateTests
{
    private readonly FakeTimeProvider _time = new();

    private static AttemptResult Answer(int durationMs, int? status = 200, string? errorKind = null, TimeSpan? retryAfter = null) =>
        new(DateTimeOffset.UtcNow, durationMs, status, errorKind, null, "{}", null, null, retryAfter);

    /// <summary>Sends one round: as many answers as the limit allows, each taking <paramref name="durationMs"/>.</summary>
    private static async Task Round(EndpointGate gate, int durationMs)
    {
        var limit = gate.Limit;
        for (var i = 0; i < limit; i++)
        {
            Assert.True(gate.TryHold());
            Assert.True(await gate.EnterAsync(CancellationToken.None));
            gate.Observe(Answer(durationMs));
            gate.Exit();
            gate.Unhold();
        }
    }

    [Fact]
    public async Task A_fast_endpoint_doubles_its_limit_each_round_up_to_the_ceiling()
    {
        var gate = new EndpointGate(maxInFlight: 64, concurrency: 512, _time);
        var limits = new List<int> { gate.Limit };
        for (var i = 0; i < 5; i++)
        {
            await Round(gate, durationMs: 2);
            limits.Add(gate.Limit);
        }
        Assert.Equal([8, 16, 32, 64, 64, 64], limits);
    }

    [Fact]
    public async Task Answers_slowing_down_stop_the_growth_and_timeouts_halve_the_limit()
    {
        var gate = new EndpointGate(maxInFlight: 64, concurrency: 512, _time);
        await Round(gate, durationMs: 2);
        Assert.Equal(16, gate.Limit);
        await Round(gate, durationMs: 200);
        Assert.Equal(16, gate.Limit);

        gate.Observe(Answer(2000, status: null, errorKind: ErrorKinds.Timeout));
        Assert.Equal(8, gate.Limit);
        gate.Observe(Answer(2000, status: null, errorKind: ErrorKinds.Connect));
        Assert.Equal(4, gate.Limit);
    }

    [Fact]
    public async Task A_rabbitmq_gate_grows_while_confirms_slow_down_and_a_blocking_broker_still_drops_it_to_one()
    {
        var gate = new EndpointGate(maxInFlight: 256, concurrency: 512, _time, latencyMeansLoad: false);
        var limits = new List<int> { gate.Limit };
        // Batched confirms: the more in flight, the longer each waits for its batch.
        foreach (var durationMs in new[] { 2, 5, 15, 40, 90, 90 })
        {
            await Round(gate, durationMs);
            limits.Add(gate.Limit);
        }
        Assert.Equal([8, 16, 32, 64, 128, 256, 256], limits);

        gate.Observe(Answer(2, status: null, errorKind: ErrorKinds.Throttled));
        Assert.Equal(1, gate.Limit);
        Assert.True(gate.PauseRemaining > TimeSpan.Zero);
    }

    [Fact]
    public async Task A_503_drops_the_limit_to_one_and_pauses_the_endpoint_then_it_climbs_back()
    {
        var gate = new EndpointGate(maxInFlight: 64, concurrency: 512, _time);
        await Round(gate, durationMs: 2);
        await Round(gate, durationMs: 2);
        Assert.Equal(32, gate.Limit);

        gate.Observe(Answer(2, status: 503, retryAfter: TimeSpan.FromSeconds(5)));
        Assert.Equal(1, gate.Limit);
        Assert.Equal(TimeSpan.FromSeconds(5), gate.PauseRemaining);
        _time.Advance(TimeSpan.FromSeconds(5));
        Assert.Equal(TimeSpan.Zero, gate.PauseRemaining);

        // Back to half the old limit by doubling, then one more per round.
        var limits = new List<int>();
        for (var i = 0; i < 6; i++)
        {
            await Round(gate, durationMs: 2);
            limits.Add(gate.Limit);
        }
        Assert.Equal([2, 4, 8, 16, 17, 18], limits);
    }

    [Fact]
    public async Task Only_the_limit_enters_at_once_and_the_next_enters_when_one_leaves()
    {
        var gate = new EndpointGate(maxInFlight: 2, concurrency: 512, _time);
        Assert.True(await gate.EnterAsync(CancellationToken.None));
        Assert.True(await gate.EnterAsync(CancellationToken.None));
        var third = gate.EnterAsync(CancellationToken.None);
        Assert.False(third.IsCompleted);
        gate.Exit();
        Assert.True(await third.WaitAsync(TimeSpan.FromSeconds(5)));
    }

    [Fact]
    public void A_new_endpoint_holds_a_second_at_the_assumed_pace_and_once_it_has_answered_counts_the_doubling_to_come()
    {
        var gate = new EndpointGate(maxInFlight: 64, concurrency: 512, _time);
        // Before any answer: 8 in flight at the assumed 50 ms, no growth counted, so that an endpoint that turns out slow has
        // not taken the whole worker before its first answer.
        Assert.Equal(160, HoldAll(gate));

        // A first answer slow because this process has only just started: 100 ms on average now. In a second the limit
        // doubles from 8 to 64 (8, 16 and 32 in the first 300 ms, then 64 a round): 504 deliveries, where a limit kept at 8
        // would send 80 and give back the rest.
        gate.Observe(Answer(300));
        Assert.Equal(504 - 160, HoldAll(gate));
        // Sending what it holds takes about that second, where a limit kept at 8 would take 6.3 s.
        Assert.InRange(gate.BusyRetry(), TimeSpan.FromSeconds(0.5), TimeSpan.FromSeconds(1.5));
    }

    private static int HoldAll(EndpointGate gate)
    {
        var held = 0;
        while (gate.TryHold()) held++;
        return held;
    }

    [Fact]
    public async Task A_slow_endpoint_holds_only_twice_its_limit_and_gives_back_what_waits_when_it_slows_down()
    {
        var gate = new EndpointGate(maxInFlight: 4, concurrency: 512, _time);
        // New: held until about a second of sending at 50 ms per answer, 4 at a time.
        var held = 0;
        while (gate.TryHold()) held++;
        Assert.Equal(80, held);

        var inFlight = new List<Task<bool>>();
        for (var i = 0; i < 4; i++) inFlight.Add(gate.EnterAsync(CancellationToken.None));
        var waiting = Enumerable.Range(0, 76).Select(_ => gate.EnterAsync(CancellationToken.None)).ToList();
        Assert.All(inFlight, t => Assert.True(t.Result));

        // Answers now take 10 s: the endpoint may hold only 8, so 72 of the waiting are given back, the newest first.
        // A waiter's answer reaches its caller on the thread pool, so the test waits for the 72 rather than counting
        // what has arrived the instant after (a loaded machine once had one still on its way: 71).
        for (var i = 0; i < 10; i++) gate.Observe(Answer(10_000));
        var givenBack = await Task.WhenAll(waiting.Skip(4)).WaitAsync(TimeSpan.FromSeconds(30));
        Assert.All(givenBack, Assert.False);
        Assert.All(waiting.Take(4), t => Assert.False(t.IsCompleted));
        Assert.True(gate.BusyRetry() >= TimeSpan.FromSeconds(8));
    }
}
