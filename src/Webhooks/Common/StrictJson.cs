using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Unicode;

namespace Webhooks.Common;

/// <summary>
/// JSON that means one thing only. System.Text.Json parses some texts that different readers take
/// differently: a member named twice (one reader keeps the first, another the last), bytes that are not
/// UTF-8 and escapes of unpaired surrogates (neither is text), and numbers beyond the range of a double
/// (which become infinity, or the largest double). Such a body is refused as malformed.
/// </summary>
public static class StrictJson
{
    /// <summary>Parser options: duplicate member names are a parse error.</summary>
    public static JsonDocumentOptions DocumentOptions(int maxDepth) => new() { MaxDepth = maxDepth, AllowDuplicateProperties = false };

    /// <summary>Why well-formed JSON text cannot be taken (its bytes, its numbers, its escapes), or null when it can.</summary>
    public static string? Check(ReadOnlySpan<byte> json)
    {
        if (!Utf8.IsValid(json)) return "The body is not valid UTF-8.";
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = int.MaxValue });
        while (reader.Read())
        {
            switch (reader.TokenType)
            {
                // Only an exponent or over 308 digits can leave a double's range (parsing every number would cost as
                // much as the parse itself); TryGetDouble answers true for a number that overflows to infinity.
                case JsonTokenType.Number when (reader.ValueSpan.Length > 308 || reader.ValueSpan.IndexOfAny((byte)'e', (byte)'E') >= 0)
                                               && !(reader.TryGetDouble(out var number) && double.IsFinite(number)):
                    var text = Encoding.UTF8.GetString(reader.ValueSpan[..Math.Min(reader.ValueSpan.Length, 40)]);
                    return $"The number {text}{(reader.ValueSpan.Length > 40 ? "..." : "")} at byte {reader.TokenStartIndex + 1} is beyond the range of a double-precision number.";
                case JsonTokenType.String or JsonTokenType.PropertyName when reader.ValueIsEscaped:
                    try { reader.GetString(); }
                    catch (InvalidOperationException) { return $"The string at byte {reader.TokenStartIndex + 1} holds an escaped unpaired surrogate (\\uD800 to \\uDFFF)."; }
                    break;
            }
        }
        return null;
    }

    /// <summary>Why an element parsed by a lenient parser cannot be taken (a member named twice included), or null.</summary>
    public static string? Check(JsonElement element)
    {
        var raw = JsonMarshal.GetRawUtf8Value(element);
        if (Check(raw) is { } problem) return problem;
        try
        {
            using (JsonDocument.Parse(raw.ToArray(), DocumentOptions(256))) { }
            return null;
        }
        catch (JsonException e) { return e.Message; }
    }

    /// <summary>
    /// Every JsonElement in a request body bound by the framework (a schema, an example) is held to the same
    /// rules; a breach is a JsonException, which binding answers as malformed JSON.
    /// </summary>
    public sealed class ElementConverter : JsonConverter<JsonElement>
    {
        public override JsonElement Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            var element = JsonElement.ParseValue(ref reader);
            return Check(element) is { } problem ? throw new JsonException(problem) : element;
        }

        public override void Write(Utf8JsonWriter writer, JsonElement value, JsonSerializerOptions options) => value.WriteTo(writer);
    }
}
