using System.Globalization;
using System.Text;

namespace Webhooks.Tests.Infrastructure;

/// <summary>A scrape in the Prometheus text exposition format (0.0.4), parsed line by line; any line that does not parse fails the test.</summary>
public sealed class PrometheusScrape
{
    public sealed record Sample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

    public Dictionary<string, string> Types { get; } = [];
    public List<Sample> Samples { get; } = [];

    public IEnumerable<Sample> Named(string name) => Samples.Where(s => s.Name == name);

    /// <summary>The one sample of that name whose labels include these; null when there is none.</summary>
    public double? Value(string name, params (string Label, string Value)[] labels) =>
        Named(name).Where(s => labels.All(l => s.Labels.TryGetValue(l.Label, out var v) && v == l.Value)).Select(s => (double?)s.Value).SingleOrDefault();

    public static PrometheusScrape Parse(string text)
    {
        var scrape = new PrometheusScrape();
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0) continue;
            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line.Split(' ');
                if (parts.Length != 4 || parts[3] is not ("counter" or "gauge" or "histogram" or "summary" or "untyped"))
                    throw new FormatException($"Bad TYPE line: {line}");
                scrape.Types[parts[2]] = parts[3];
                continue;
            }
            if (line.StartsWith('#')) continue;
            scrape.Samples.Add(ParseSample(line));
        }
        return scrape;
    }

    private static Sample ParseSample(string line)
    {
        var at = 0;
        while (at < line.Length && (char.IsAsciiLetterOrDigit(line[at]) || line[at] is '_' or ':')) at++;
        var name = line[..at];
        if (name.Length == 0 || char.IsAsciiDigit(name[0])) throw new FormatException($"Bad metric name: {line}");
        var labels = new Dictionary<string, string>();
        if (at < line.Length && line[at] == '{')
        {
            at++;
            while (line[at] != '}')
            {
                var start = at;
                while (char.IsAsciiLetterOrDigit(line[at]) || line[at] == '_') at++;
                var label = line[start..at];
                if (label.Length == 0 || line[at] != '=' || line[at + 1] != '"') throw new FormatException($"Bad label in: {line}");
                at += 2;
                var value = new StringBuilder();
                for (; line[at] != '"'; at++)
                {
                    if (line[at] == '\\')
                        value.Append(line[++at] switch { 'n' => '\n', var c => c });
                    else
                        value.Append(line[at]);
                }
                labels[label] = value.ToString();
                at++;
                if (line[at] == ',') at++;
            }
            at++;
        }
        var rest = line[at..].Trim().Split(' ');
        if (rest.Length is < 1 or > 2) throw new FormatException($"Bad sample: {line}");
        var number = rest[0] switch
        {
            "+Inf" => double.PositiveInfinity,
            "-Inf" => double.NegativeInfinity,
            "NaN" => double.NaN,
            var v => double.Parse(v, NumberStyles.Float, CultureInfo.InvariantCulture),
        };
        return new Sample(name, labels, number);
    }
}
