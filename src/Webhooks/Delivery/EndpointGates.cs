using System.Collections.Concurrent;
using Microsoft.Extensions.Options;

namespace Webhooks.Delivery;

/// <summary>
/// Per-endpoint limits inside one instance: how many of its deliveries are held and in flight, and
/// adaptive throttling after 429/502/503/504 (a pause that doubles while the endpoint keeps struggling,
/// one request at a time until it answers well again).
/// </summary>
public sealed class EndpointGates(IOptionsMonitor<WorkerOptions> options, TimeProvider time)
{
    private static readonly TimeSpan MaxPause = TimeSpan.FromSeconds(60);
    private readonly ConcurrentDictionary<Guid, Gate> _gates = new();

    public Gate For(Guid subscription) => _gates.GetOrAdd(subscription, _ => new Gate(options.CurrentValue.MaxInFlightPerEndpoint, options.CurrentValue.Concurrency, time));

    public sealed class Gate(int maxInFlight, int concurrency, TimeProvider time)
    {
        /// <summary>An endpoint that answers slower than this on average may hold only twice its in-flight cap.</summary>
        private const double SlowMs = 100;

        private readonly SemaphoreSlim _inFlight = new(maxInFlight, maxInFlight);
        private readonly SemaphoreSlim _probe = new(1, 1);
        private int _held;
        private int _throttleLevel;
        private long _pausedUntilTicks;
        private double _averageMs = 50;
        private long _pushedBackUntilTicks;

        public int MaxInFlight => maxInFlight;

        /// <summary>
        /// Takes a place for one more held delivery. A fast endpoint may hold up to half of this instance's
        /// places (they come free in milliseconds); a slow one only twice its in-flight cap, so it cannot
        /// tie up the places other endpoints need.
        /// </summary>
        public bool TryHold()
        {
            var limit = Volatile.Read(ref _averageMs) < SlowMs ? Math.Max(2 * maxInFlight, concurrency / 2) : 2 * maxInFlight;
            if (Interlocked.Increment(ref _held) <= limit) return true;
            Interlocked.Decrement(ref _held);
            return false;
        }

        public void Unhold() => Interlocked.Decrement(ref _held);

        public bool Throttled => Volatile.Read(ref _throttleLevel) > 0;

        public TimeSpan PauseRemaining
        {
            get
            {
                var remaining = new DateTimeOffset(Interlocked.Read(ref _pausedUntilTicks), TimeSpan.Zero) - time.GetUtcNow();
                return remaining > TimeSpan.Zero ? remaining : TimeSpan.Zero;
            }
        }

        /// <summary>Waits for a send slot; while throttled, only one request at a time goes out.</summary>
        public async Task<IDisposable> EnterAsync(CancellationToken cancellationToken)
        {
            await _inFlight.WaitAsync(cancellationToken);
            if (!Throttled) return new Exit(_inFlight, null);
            try { await _probe.WaitAsync(cancellationToken); }
            catch { _inFlight.Release(); throw; }
            return new Exit(_inFlight, _probe);
        }

        /// <summary>
        /// When a delivery that found this endpoint's places full should come back: about when the
        /// deliveries held now will have been sent, judged by how fast the endpoint answers.
        /// </summary>
        public TimeSpan BusyRetry()
        {
            var drainMs = Volatile.Read(ref _averageMs) * Math.Max(1, Volatile.Read(ref _held)) / maxInFlight;
            return RetryPolicy.WithJitter(TimeSpan.FromMilliseconds(Math.Clamp(drainMs, 100, 10_000)));
        }

        /// <summary>True at most once per <paramref name="delay"/>: the caller should push this endpoint's backlog back now.</summary>
        public bool ShouldPushBack(TimeSpan delay)
        {
            var now = time.GetUtcNow().UtcTicks;
            var until = Interlocked.Read(ref _pushedBackUntilTicks);
            return until <= now && Interlocked.CompareExchange(ref _pushedBackUntilTicks, now + delay.Ticks, until) == until;
        }

        /// <summary>Learns from an answer: 429/502/503/504 slow the endpoint down, anything else it answers ends that.</summary>
        public void Observe(AttemptResult attempt)
        {
            Volatile.Write(ref _averageMs, 0.8 * Volatile.Read(ref _averageMs) + 0.2 * attempt.DurationMs);
            if (attempt.StatusCode is 429 or 502 or 503 or 504)
            {
                var level = Math.Min(Interlocked.Increment(ref _throttleLevel), 7);
                var pause = TimeSpan.FromSeconds(Math.Pow(2, level - 1));
                if (pause > MaxPause) pause = MaxPause;
                if (attempt.RetryAfter is { } retryAfter && retryAfter > pause && retryAfter <= MaxPause) pause = retryAfter;
                Interlocked.Exchange(ref _pausedUntilTicks, (time.GetUtcNow() + pause).UtcTicks);
            }
            else if (attempt.StatusCode is not null)
                Interlocked.Exchange(ref _throttleLevel, 0);
        }

        private sealed class Exit(SemaphoreSlim inFlight, SemaphoreSlim? probe) : IDisposable
        {
            public void Dispose()
            {
                probe?.Release();
                inFlight.Release();
            }
        }
    }
}
