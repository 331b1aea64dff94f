using System.Diagnostics;

namespace Webhooks.Bench;

/// <summary>Latency samples in Stopwatch ticks, merged from every load worker, and their percentiles.</summary>
public sealed class Latencies
{
    private readonly List<long> _ticks = [];

    public void Add(IEnumerable<long> ticks) { lock (_ticks) _ticks.AddRange(ticks); }

    public int Count => _ticks.Count;

    public double PercentileMs(double p)
    {
        if (_ticks.Count == 0) return double.NaN;
        _ticks.Sort();
        var index = (int)Math.Min(_ticks.Count - 1, Math.Ceiling(p / 100 * _ticks.Count) - 1);
        return _ticks[Math.Max(0, index)] * 1000.0 / Stopwatch.Frequency;
    }

    public string Summary() => $"p50 {PercentileMs(50):F1} ms, p90 {PercentileMs(90):F1} ms, p99 {PercentileMs(99):F1} ms, max {PercentileMs(100):F1} ms";
}
