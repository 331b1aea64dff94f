using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Webhooks.Tests.Security;

/// <summary>
/// Malformed and hostile request parts, from a seeded random source so that a failing input can be made again:
/// JSON values at the edges (numbers beyond a double, unpaired surrogates, control characters, huge and deep
/// shapes), mutations of a valid body (members dropped, retyped, duplicated; bytes flipped, cut, or made invalid
/// UTF-8), odd content types, Authorization and Idempotency-Key headers, and query strings.
/// </summary>
public sealed class HostileInputs(int seed)
{
    private readonly Random _random = new(seed);

    public int Next(int max) => _random.Next(max);
    public bool Chance(double p) => _random.NextDouble() < p;
    public T Pick<T>(IReadOnlyList<T> items) => items[_random.Next(items.Count)];

    private static readonly string[] NumberTexts =
    [
        "0", "-0", "1", "-1", "0.5", "1e400", "-1e400", "1E+309", "1e308", "1.7976931348623157e308", "5e-324", "1e-400",
        "9223372036854775807", "9223372036854775808", "-9223372036854775809", "79228162514264337593543950336",
        "123456789012345678901234567890", new string('9', 400), "2147483648", "-2147483649", "1.0", "100000000000000000000e-20",
    ];

    private static readonly string[] StringTexts =
    [
        "", " ", "\\u0000", "\\ud800", "\\udfff", "\\ud800\\u0041", "\\ud83d\\ude00", "é", "\\u202e", "\\t\\r\\n", "%00", "%ff", "../../../etc/passwd",
        "<script>alert(1)</script>", "'; DROP TABLE events; --", "${jndi:ldap://x}", "{{7*7}}", "*", "order.*", ".", "..", "a..b", "-",
        "http://169.254.169.254/latest/meta-data", "https://localhost./x", "https://[::127.0.0.1]/x", "javascript:alert(1)", "file:///etc/passwd",
        "whsec_AAAA", "[redacted]", "2024-13-45T99:99:99Z", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59Z", "00000000-0000-0000-0000-000000000000",
        "NaN", "Infinity", "true", "null", "dead", "succeeded", "discard", "send", "admin", "ingest", "partner",
    ];

    /// <summary>A JSON value, as text, chosen to be awkward.</summary>
    public string Value(int depth = 0)
    {
        switch (_random.Next(depth > 2 ? 8 : 11))
        {
            case 0: return Pick(NumberTexts);
            case 1: return "\"" + Pick(StringTexts) + "\"";
            case 2: return Pick(["null", "true", "false"]);
            case 3: return "\"" + new string(Pick(['a', 'é', '0', ' ']), Pick([64, 255, 256, 1001, 4097, 70_000])) + "\"";
            case 4: return "\"" + RandomText(_random.Next(1, 40)) + "\"";
            case 5: return _random.Next(-1000, 1000).ToString();
            case 6: return (_random.NextDouble() * Math.Pow(10, _random.Next(-30, 30))).ToString("R", System.Globalization.CultureInfo.InvariantCulture);
            case 7: return "\"" + Guid.NewGuid() + "\"";
            case 8: return "[" + string.Join(",", Enumerable.Range(0, _random.Next(0, 5)).Select(_ => Value(depth + 1))) + "]";
            case 9: return "{" + string.Join(",", Enumerable.Range(0, _random.Next(0, 5)).Select(_ => $"\"{RandomText(_random.Next(0, 8))}\":{Value(depth + 1)}")) + "}";
            default: return Deep(Pick([10, 63, 64, 65, 200, 1000]));
        }
    }

    private static string Deep(int levels) => string.Concat(Enumerable.Repeat("[", levels)) + "1" + string.Concat(Enumerable.Repeat("]", levels));

    /// <summary>Printable ASCII, JSON-escaped.</summary>
    private string RandomText(int length)
    {
        var text = new StringBuilder();
        for (var i = 0; i < length; i++)
        {
            var c = (char)_random.Next(32, 127);
            text.Append(c is '"' or '\\' ? "\\" + c : c.ToString());
        }
        return text.ToString();
    }

    /// <summary>The body of a request: a mutation of the valid seed body (or something else entirely).</summary>
    public byte[] Body(JsonNode? seed)
    {
        var text = seed?.ToJsonString(WriteOptions) ?? "{}";
        switch (_random.Next(10))
        {
            case 0: return Bytes(Value());
            case 1: return MutateBytes(Encoding.UTF8.GetBytes(text));
            case 2: return Bytes(DuplicateMember(text));
            case 3: return Bytes(text.Length > 1 ? text[.._random.Next(text.Length)] : text);
            case 4: return Bytes(Pick(["", " ", "null", "[]", "\"\"", "{", "}", "{}{}", "\uFEFF{}", "{\"a\":1}garbage", "{'a':1}", "{a:1}", "[1,]", "{\"a\":1,}", "/*x*/{}", "NaN"]));
            default:
                if (seed is null) return Bytes(Value());
                // Unpaired surrogates cannot be written back by the serializer; then the value goes in as text.
                try { return Bytes(MutateJson(seed.DeepClone()).ToJsonString(WriteOptions)); }
                catch (Exception e) when (e is InvalidOperationException or JsonException or ArgumentException) { return Bytes(Value()); }
        }
    }

    private static readonly JsonSerializerOptions WriteOptions = new() { MaxDepth = 4096 };

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Replaces, removes or adds members (at any depth) with awkward values.</summary>
    private JsonNode MutateJson(JsonNode node)
    {
        for (var n = _random.Next(1, 4); n > 0; n--)
        {
            var containers = Containers(node).ToList();
            var target = Pick(containers);
            switch (target)
            {
                case JsonObject obj when obj.Count > 0 && Chance(0.3):
                    obj.Remove(Pick(obj.Select(p => p.Key).ToList()));
                    break;
                case JsonObject obj when obj.Count > 0:
                    obj[Pick(obj.Select(p => p.Key).ToList())] = ParseOrString(Value());
                    break;
                case JsonObject obj:
                    obj[RandomText(_random.Next(1, 10))] = ParseOrString(Value());
                    break;
                case JsonArray array when array.Count > 0 && Chance(0.5):
                    array[_random.Next(array.Count)] = ParseOrString(Value());
                    break;
                case JsonArray array:
                    array.Add(ParseOrString(Value()));
                    break;
            }
        }
        return Chance(0.1) ? new JsonArray(node) : node;
    }

    private static JsonNode? ParseOrString(string json)
    {
        try { return JsonNode.Parse(json, documentOptions: new JsonDocumentOptions { MaxDepth = 2000 }); }
        catch (JsonException) { return JsonValue.Create(json); }
    }

    private static IEnumerable<JsonNode> Containers(JsonNode node)
    {
        yield return node;
        var children = node switch
        {
            JsonObject obj => obj.Select(p => p.Value),
            JsonArray array => array.AsEnumerable(),
            _ => [],
        };
        foreach (var child in children.OfType<JsonNode>().Where(c => c is JsonObject or JsonArray))
            foreach (var inner in Containers(child)) yield return inner;
    }

    /// <summary>The text with one member written twice: the first time with an awkward value.</summary>
    private string DuplicateMember(string text)
    {
        var at = text.IndexOf("\":", StringComparison.Ordinal);
        if (at < 0) return text;
        var start = text.LastIndexOf('"', at - 1);
        var name = text[start..(at + 1)];
        return text[..start] + name + ":" + Value() + "," + text[start..];
    }

    /// <summary>Flips, inserts, deletes bytes, or puts in sequences that are not UTF-8.</summary>
    private byte[] MutateBytes(byte[] bytes)
    {
        var list = bytes.ToList();
        for (var n = _random.Next(1, 5); n > 0; n--)
        {
            var at = list.Count == 0 ? 0 : _random.Next(list.Count);
            switch (_random.Next(4))
            {
                case 0 when list.Count > 0: list[at] = (byte)_random.Next(256); break;
                case 1 when list.Count > 0: list.RemoveAt(at); break;
                case 2: list.InsertRange(at, Pick<byte[]>([[0xff], [0xfe, 0xff], [0xc0, 0x80], [0xed, 0xa0, 0x80], [0xf4, 0x90, 0x80, 0x80], [0xc3], [0x00], [0x80]])); break;
                default: list.Insert(at, (byte)Pick("{}[]\":,\\ 0e-"u8.ToArray())); break;
            }
        }
        return [.. list];
    }

    public string? ContentType() => Chance(0.88) ? "application/json" : Pick<string?>(
        [null, "text/plain", "application/json; charset=latin1", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x",
         "application/xml", "application/cloudevents+json", "application/problem+json", "*/*", "application/json; charset=utf-16", "application/jsonx"]);

    public string? IdempotencyKey() => _random.Next(12) switch
    {
        0 => "",
        1 => new string('k', 256),
        2 => "key\u0001ctl",
        3 => "clé",
        4 => " ",
        5 => Guid.NewGuid().ToString(),
        6 => "fixed-key",
        _ => null,
    };

    /// <summary>A query string of parameters the list endpoints take, and some they do not, with awkward values.</summary>
    public string Query()
    {
        if (Chance(0.3)) return "";
        string[] names = ["limit", "cursor", "since", "until", "status", "type", "partnerId", "subscriptionId", "eventType", "includeArchived", "x", "limit"];
        string[] values =
        [
            "-1", "0", "1", "500", "501", "abc", "1e3", "99999999999", "", "%00", "%ff", "%", "%E9", "null", "true", "2024-01-01T00:00:00Z",
            "2024-13-45", "0001-01-01", "9999-12-31T23:59:59Z", "dead", "pending", "DROP", Guid.NewGuid().ToString(), "not-a-guid",
            Convert.ToBase64String(Encoding.UTF8.GetBytes("forged")), "AAAA", "-_-_", new string('a', 3000), "order.*", "%20%20",
        ];
        return "?" + string.Join("&", Enumerable.Range(0, _random.Next(1, 5)).Select(_ => $"{Pick(names)}={Pick(values)}"));
    }

    /// <summary>A route parameter that is not one of the known ids.</summary>
    public string Segment() => Pick(["not-a-guid", Guid.NewGuid().ToString(), "%00", "..", "%2e%2e", new string('a', 300), "00000000-0000-0000-0000-000000000000", "order.placed", "a b", "%E9", "*"]);
}
