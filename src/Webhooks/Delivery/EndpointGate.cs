namespace Webhooks.Delivery;

/// <summary>
/// One endpoint's limits inside this instance: how many of its deliveries this worker holds, and how many
/// attempts may be in flight. The in-flight limit adapts as TCP's window does: while answers come back about
/// as fast as the endpoint's best, it doubles each round (a round: as many answers as the limit) up to a
/// threshold and grows by one after it; answers slowing down stop the growth; timeouts and refused
/// connections halve it; 429/502/503/504 (and a throttling broker) drop it to one, with a pause that doubles while they last, and it
/// climbs back to half its old value by doubling. An endpoint may hold about a second's worth of its sending, so a fast endpoint
/// can use the whole worker while a slow one holds only twice its in-flight limit. What it sends in a second counts the
/// doubling still to come: an endpoint whose first answers are slow because this process has only just started (its code not
/// yet compiled, no connection open) would otherwise give back most of the first second's deliveries, for about a second each.
/// </summary>
/// <param name="latencyMeansLoad">False for a destination whose answers slow down as more are in flight by design (RabbitMQ's
/// batched confirms): its limit grows with every round, and only throttling, timeouts and failed connects bring it down.</param>
public sealed class EndpointGate(int maxInFlight, int concurrency, TimeProvider time, bool latencyMeansLoad = true)
{
    private const int InitialLimit = 8;
    private const double HoldSeconds = 1;
    /// <summary>Latency wobble that never counts as the endpoint slowing down (the machine's own scheduling).</summary>
    private const double SlackMs = 5;
    private static readonly TimeSpan MaxPause = TimeSpan.FromSeconds(60);

    private readonly Lock _lock = new();
    private readonly LinkedList<TaskCompletionSource<bool>> _waiting = new();
    private int _held;
    private int _inFlight;
    private double _limit = Math.Min(InitialLimit, maxInFlight);
    /// <summary>Below it the limit doubles each round (slow start); above it, it grows by one.</summary>
    private double _threshold = maxInFlight;
    private int _roundCount;
    private double _roundMs;
    private double _bestMs = double.MaxValue;
    private double _averageMs = 50;
    private bool _answered;
    private int _throttleLevel;
    private long _pausedUntilTicks;
    private long _pushedBackUntilTicks;

    /// <summary>The in-flight limit now.</summary>
    public int Limit { get { lock (_lock) return (int)_limit; } }

    /// <summary>How many deliveries this endpoint may hold now: what it sends in about a second, at least twice its in-flight limit.</summary>
    /// <remarks>
    /// Growth is counted only once the endpoint has answered: before that its pace is a guess, and a slow endpoint with a
    /// backlog would hold the whole worker until its first timeout.
    /// </remarks>
    private int HoldLimit => (int)Math.Clamp(SentWithin(HoldSeconds * 1000, growing: _answered), 2 * _limit, Math.Max(2 * _limit, concurrency));

    /// <summary>How many this endpoint sends in <paramref name="ms"/> at its average pace, a round per answer time, with its limit doubling each round while in slow start.</summary>
    private double SentWithin(double ms, bool growing)
    {
        var pace = Math.Max(1, _averageMs);
        double sent = 0, limit = _limit;
        for (; growing && ms > 0 && limit < _threshold; ms -= pace, limit = Math.Min(2 * limit, _threshold))
            sent += limit * Math.Min(1, ms / pace);
        return sent + Math.Max(0, ms) / pace * limit;
    }

    /// <summary>How long this endpoint takes to send <paramref name="count"/> at its average pace, with its limit doubling each round while in slow start.</summary>
    private double MsToSend(double count)
    {
        var pace = Math.Max(1, _averageMs);
        double ms = 0, limit = _limit;
        for (; count > limit && limit < _threshold; ms += pace, limit = Math.Min(2 * limit, _threshold))
            count -= limit;
        return ms + pace * count / limit;
    }

    public bool TryHold()
    {
        lock (_lock)
        {
            if (_held >= HoldLimit) return false;
            _held++;
            return true;
        }
    }

    public void Unhold()
    {
        lock (_lock) _held--;
    }

    /// <summary>
    /// Waits for an in-flight slot. False when the delivery is no longer wanted here because the endpoint
    /// slowed down and holds more than it can send soon: its hold is already given up, and it goes back to the queue.
    /// </summary>
    public async Task<bool> EnterAsync(CancellationToken cancellationToken)
    {
        TaskCompletionSource<bool> waiter;
        LinkedListNode<TaskCompletionSource<bool>> node;
        lock (_lock)
        {
            if (_inFlight < (int)_limit && _waiting.Count == 0)
            {
                _inFlight++;
                return true;
            }
            waiter = new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            node = _waiting.AddLast(waiter);
        }
        await using var _ = cancellationToken.Register(() =>
        {
            lock (_lock)
                if (node.List is not null) _waiting.Remove(node);
            waiter.TrySetCanceled(cancellationToken);
        });
        return await waiter.Task;
    }

    public void Exit()
    {
        lock (_lock)
        {
            _inFlight--;
            StartWaiters();
        }
    }

    public TimeSpan PauseRemaining
    {
        get
        {
            var remaining = new DateTimeOffset(Interlocked.Read(ref _pausedUntilTicks), TimeSpan.Zero) - time.GetUtcNow();
            return remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
        }
    }

    /// <summary>When a delivery this endpoint cannot hold now should come back: about when what it holds will have been sent.</summary>
    public TimeSpan BusyRetry()
    {
        lock (_lock)
            return RetryPolicy.WithJitter(TimeSpan.FromMilliseconds(Math.Clamp(MsToSend(Math.Max(1, _held)), 100, 10_000)));
    }

    /// <summary>True at most once per <paramref name="delay"/>: the caller should push this endpoint's backlog back now.</summary>
    public bool ShouldPushBack(TimeSpan delay)
    {
        var now = time.GetUtcNow().UtcTicks;
        var until = Interlocked.Read(ref _pushedBackUntilTicks);
        return until <= now && Interlocked.CompareExchange(ref _pushedBackUntilTicks, now + delay.Ticks, until) == until;
    }

    /// <summary>Learns from an answer (see the class summary).</summary>
    public void Observe(AttemptResult attempt)
    {
        lock (_lock)
        {
            _averageMs = 0.8 * _averageMs + 0.2 * attempt.DurationMs;
            _answered = true;
            if (attempt.StatusCode is 429 or 502 or 503 or 504 || attempt.ErrorKind is ErrorKinds.Throttled)
            {
                _throttleLevel = Math.Min(_throttleLevel + 1, 7);
                var pause = TimeSpan.FromSeconds(Math.Pow(2, _throttleLevel - 1));
                if (pause > MaxPause) pause = MaxPause;
                if (attempt.RetryAfter is { } retryAfter && retryAfter > pause && retryAfter <= MaxPause) pause = retryAfter;
                Interlocked.Exchange(ref _pausedUntilTicks, (time.GetUtcNow() + pause).UtcTicks);
                Shrink(limit: 1, threshold: Math.Max(1, _limit / 2));
            }
            else if (attempt.ErrorKind is ErrorKinds.Timeout or ErrorKinds.Connect)
                Shrink(limit: Math.Max(1, _limit / 2), threshold: Math.Max(1, _limit / 2));
            else
            {
                if (attempt.StatusCode is not null || attempt.Succeeded) _throttleLevel = 0;
                _roundCount++;
                _roundMs += attempt.DurationMs;
                if (_roundCount >= (int)_limit) EndRound();
            }
            StartWaiters();
            ShedExcess();
        }
    }

    private void EndRound()
    {
        var mean = _roundMs / _roundCount;
        // The best round is forgotten slowly, so that an endpoint that got slower for good is judged by its new pace.
        _bestMs = Math.Min(mean, _bestMs * 1.02);
        if (!latencyMeansLoad || mean <= 2 * _bestMs + SlackMs)
            _limit = Math.Min(maxInFlight, _limit < _threshold ? Math.Min(2 * _limit, _threshold) : _limit + 1);
        else
            _threshold = _limit;
        _roundCount = 0;
        _roundMs = 0;
    }

    private void Shrink(double limit, double threshold)
    {
        _limit = limit;
        _threshold = threshold;
        _roundCount = 0;
        _roundMs = 0;
    }

    private void StartWaiters()
    {
        while (_inFlight < (int)_limit && _waiting.First is { } first)
        {
            _waiting.RemoveFirst();
            _inFlight++;
            first.Value.TrySetResult(true);
        }
    }

    /// <summary>Gives back the newest waiting deliveries beyond what the endpoint may hold now.</summary>
    private void ShedExcess()
    {
        for (var excess = _held - HoldLimit; excess > 0 && _waiting.Last is { } last; excess--)
        {
            _waiting.RemoveLast();
            _held--;
            last.Value.TrySetResult(false);
        }
    }
}
