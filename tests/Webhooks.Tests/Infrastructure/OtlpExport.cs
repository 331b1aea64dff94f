using System.Text;

namespace Webhooks.Tests.Infrastructure;

/// <summary>
/// Reads what an OTLP/HTTP protobuf export carries: the resource's attributes, the spans of a trace
/// export and the metric names of a metrics export. Just the protobuf wire format and the field numbers
/// of opentelemetry-proto, so a test looks at what the collector really got.
/// </summary>
public static class OtlpExport
{
    public sealed record Span(string TraceId, string SpanId, string ParentSpanId, string Name, int Kind, string Scope, IReadOnlyDictionary<string, string> Attributes)
    {
        public const int Server = 2;
        public const int Client = 3;
        public bool IsRoot => ParentSpanId.Length == 0;
    }

    /// <summary>ExportTraceServiceRequest.resource_spans(1) → scope_spans(2) → spans(2).</summary>
    public static List<Span> Spans(byte[] export)
    {
        var spans = new List<Span>();
        foreach (var resourceSpans in Fields(export, 1))
        foreach (var scopeSpans in Fields(resourceSpans, 2))
        {
            var scope = Fields(scopeSpans, 1).Select(s => Text(Fields(s, 1).FirstOrDefault())).FirstOrDefault() ?? "";
            foreach (var span in Fields(scopeSpans, 2))
                spans.Add(new Span(
                    Hex(Fields(span, 1).FirstOrDefault()), Hex(Fields(span, 2).FirstOrDefault()), Hex(Fields(span, 4).FirstOrDefault()),
                    Text(Fields(span, 5).FirstOrDefault()), (int)Varints(span, 6).FirstOrDefault(), scope, Attributes(span, 9)));
        }
        return spans;
    }

    /// <summary>The resource's attributes: field 1 of the first resource_spans / resource_metrics, then its attributes(1).</summary>
    public static IReadOnlyDictionary<string, string> Resource(byte[] export) =>
        Fields(export, 1).SelectMany(r => Fields(r, 1)).Select(r => Attributes(r, 1)).FirstOrDefault() ?? new Dictionary<string, string>();

    /// <summary>ExportMetricsServiceRequest.resource_metrics(1) → scope_metrics(2) → metrics(2).name(1).</summary>
    public static HashSet<string> MetricNames(byte[] export) =>
        Fields(export, 1).SelectMany(r => Fields(r, 2)).SelectMany(s => Fields(s, 2)).Select(m => Text(Fields(m, 1).FirstOrDefault())).ToHashSet();

    // KeyValue: key(1), value(2) = AnyValue: string(1), bool(2), int(3), double(4).
    private static Dictionary<string, string> Attributes(byte[] message, int field)
    {
        var attributes = new Dictionary<string, string>();
        foreach (var pair in Fields(message, field))
        {
            var value = Fields(pair, 2).FirstOrDefault();
            attributes[Text(Fields(pair, 1).FirstOrDefault())] = value is null ? ""
                : Fields(value, 1).Select(Text).FirstOrDefault() ?? Varints(value, 3).Select(v => v.ToString()).FirstOrDefault() ?? "";
        }
        return attributes;
    }

    private static string Text(byte[]? bytes) => bytes is null ? "" : Encoding.UTF8.GetString(bytes);

    private static string Hex(byte[]? bytes) => bytes is null ? "" : Convert.ToHexStringLower(bytes);

    /// <summary>The length-delimited fields with this number, in order.</summary>
    private static IEnumerable<byte[]> Fields(byte[] message, int number) =>
        Read(message).Where(f => f.Number == number && f.Bytes is not null).Select(f => f.Bytes!);

    private static IEnumerable<ulong> Varints(byte[] message, int number) =>
        Read(message).Where(f => f.Number == number && f.Bytes is null).Select(f => f.Varint);

    private static List<(int Number, byte[]? Bytes, ulong Varint)> Read(byte[] message)
    {
        var fields = new List<(int, byte[]?, ulong)>();
        var at = 0;
        while (at < message.Length)
        {
            var key = Varint(message, ref at);
            var number = (int)(key >> 3);
            switch (key & 7)
            {
                case 0: fields.Add((number, null, Varint(message, ref at))); break;
                case 1: at += 8; break;
                case 2:
                    var length = (int)Varint(message, ref at);
                    fields.Add((number, message[at..(at + length)], 0));
                    at += length;
                    break;
                case 5: at += 4; break;
                default: throw new FormatException($"Unknown protobuf wire type {key & 7} at byte {at}.");
            }
        }
        return fields;
    }

    private static ulong Varint(byte[] message, ref int at)
    {
        ulong value = 0;
        for (var shift = 0; ; shift += 7)
        {
            var b = message[at++];
            value |= (ulong)(b & 0x7f) << shift;
            if (b < 0x80) return value;
        }
    }
}
