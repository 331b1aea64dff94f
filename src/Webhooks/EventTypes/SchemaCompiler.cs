using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using NJsonSchema;
using NJsonSchema.References;
using NJsonSchema.Validation;
using JsonElement = System.Text.Json.JsonElement;
using JsonValueKind = System.Text.Json.JsonValueKind;

namespace Webhooks.EventTypes;

public sealed record CompileResult(JsonSchema? Schema, string? Error);

/// <summary>
/// Compiles event type schemas with NJsonSchema and validates payloads against them. A schema is
/// refused when NJsonSchema would silently ignore part of it (unknown keywords, a misspelt type),
/// when it refers outside itself (no remote or file <c>$ref</c> is ever fetched), when it loops
/// back to itself without descending into the data (validation would never end), or when a
/// pattern is not a regular expression that runs in linear time (<see cref="SchemaPatterns"/>).
/// </summary>
public static class SchemaCompiler
{
    private const int MaxSchemaDepth = 32;

    private static readonly JsonSchema MetaSchema = CompileUnchecked(SupportedKeywords.MetaSchema).GetAwaiter().GetResult();

    // One validator for every call: JsonSchema.Validate builds a new one, with all its format validators, each time.
    // It is stateless between calls, so sharing it across threads is safe.
    private static readonly SchemaPatterns.PatternValidator Validator = new();

    /// <summary>
    /// Compiles a schema. One being registered must meet every rule; a <paramref name="stored"/> one (registered
    /// earlier, loaded to validate payloads) may keep a pattern that only the backtracking engine runs.
    /// </summary>
    public static async Task<CompileResult> CompileAsync(string json, bool stored = false)
    {
        JToken raw;
        try
        {
            using var reader = new JsonTextReader(new StringReader(json)) { MaxDepth = MaxSchemaDepth, DateParseHandling = DateParseHandling.None };
            raw = JToken.ReadFrom(reader);
        }
        catch (JsonReaderException e)
        {
            return new(null, "The schema is not valid JSON or is nested too deeply: " + e.Message);
        }
        if (raw.Type != JTokenType.Object) return new(null, "The schema must be a JSON object.");

        List<string> unsupported;
        try
        {
            unsupported = Flatten(MetaSchema.Validate(raw)).Select(e => $"{e.Path}: {e.Message}").Distinct().Take(10).ToList();
        }
        catch (Exception e) when (e is InvalidCastException or OverflowException)
        {
            // NJsonSchema compares numbers as decimal and cannot convert an integer beyond 64 bits.
            return new(null, "The schema holds an integer too large to check (beyond 64 bits) where a number or a count goes.");
        }
        if (unsupported.Count > 0)
            return new(null, "The schema uses keywords or values this service does not support: " + string.Join("; ", unsupported));

        JsonSchema schema;
        try
        {
            schema = await CompileUnchecked(json);
        }
        catch (Exception e) when (e is InvalidOperationException or NotSupportedException or JsonException or ArgumentException)
        {
            return new(null, "The schema does not compile: " + (e.InnerException ?? e).Message);
        }
        var nodes = Nodes(schema);
        if (HasEndlessLoop(nodes))
            return new(null, "The schema has a $ref loop: a chain of $ref, allOf, anyOf, oneOf or not that comes back to itself without descending into a property or array item.");
        if (SchemaPatterns.TakeOver(nodes, stored) is { } patternError) return new(null, patternError);
        return new(schema, null);
    }

    /// <summary>Every failing path of the instance, as <c>$.a.b[2]</c>, with what failed there.</summary>
    public static Dictionary<string, string[]> Validate(JsonSchema schema, JsonElement instance) => Validate(schema, ToToken(instance));

    internal static Dictionary<string, string[]> Validate(JsonSchema schema, JToken instance)
    {
        ICollection<ValidationError> found;
        try
        {
            found = Validator.Validate(instance, schema, SchemaType.JsonSchema);
        }
        catch (RegexMatchTimeoutException)
        {
            // Only a stored schema's pattern that the linear-time engine cannot run has a timeout (SchemaPatterns).
            return new() { ["$"] = ["A pattern in the schema took too long to evaluate against this value."] };
        }
        catch (Exception e) when (e is InvalidCastException or OverflowException)
        {
            // NJsonSchema compares bounds as decimal and cannot convert an integer beyond it.
            return new() { ["$"] = ["A number is too large to check against the schema."] };
        }
        return Describe(found);
    }

    /// <summary>NJsonSchema's errors as failing paths (<c>$.a.b[2]</c>) with what failed there.</summary>
    internal static Dictionary<string, string[]> Describe(ICollection<ValidationError> found) => found.Count == 0 ? [] :
        Flatten(found).GroupBy(e => e.Path).ToDictionary(g => g.Key, g => g.Select(e => e.Message).Distinct().ToArray());

    /// <summary>
    /// The instance as the tree NJsonSchema validates, built from the already parsed element: parsing the
    /// text a second time cost as much as the validation. Values come out as Newtonsoft's reader makes them:
    /// integers as long (BigInteger beyond), other numbers as double, strings never as dates.
    /// </summary>
    private static JToken ToToken(JsonElement element)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var obj = new JObject();
                foreach (var property in element.EnumerateObject()) obj[property.Name] = ToToken(property.Value);
                return obj;
            case JsonValueKind.Array:
                var array = new JArray();
                foreach (var item in element.EnumerateArray()) array.Add(ToToken(item));
                return array;
            case JsonValueKind.String: return new JValue(element.GetString());
            case JsonValueKind.True: return new JValue(true);
            case JsonValueKind.False: return new JValue(false);
            case JsonValueKind.Number when element.TryGetInt64(out var integer): return new JValue(integer);
            case JsonValueKind.Number:
                var text = element.GetRawText();
                return text.AsSpan().IndexOfAny('.', 'e', 'E') >= 0
                    ? new JValue(double.Parse(text, CultureInfo.InvariantCulture))
                    : new JValue(BigInteger.Parse(text, CultureInfo.InvariantCulture));
            default: return JValue.CreateNull();
        }
    }

    private static Task<JsonSchema> CompileUnchecked(string json) =>
        JsonSchema.FromJsonAsync(json, documentPath: null, s => new LocalReferencesOnly(new JsonSchemaAppender(s, new DefaultTypeNameGenerator())));

    private static List<(string Path, string Message)> Flatten(IEnumerable<ValidationError> errors)
    {
        var flat = new List<(string, string)>();
        foreach (var error in errors)
        {
            // An error in an array item or an anyOf branch is reported by its children; keep the leaves.
            if (error is ChildSchemaValidationError child && child.Errors.Values.Any(b => b.Count > 0))
                flat.AddRange(Flatten(child.Errors.Values.SelectMany(b => b)));
            else flat.Add((JsonPath(error.Path), Describe(error)));
        }
        return flat;
    }

    private static string Describe(ValidationError error) => error.Kind switch
    {
        ValidationErrorKind.PropertyRequired => $"'{error.Property}' is required.",
        ValidationErrorKind.NoAdditionalPropertiesAllowed => $"'{error.Property}' is not allowed here.",
        _ => SplitWords(error.Kind.ToString()) + ".",
    };

    private static string SplitWords(string kind) => string.Concat(kind.Select((c, i) => i > 0 && char.IsUpper(c) ? " " + char.ToLowerInvariant(c) : c.ToString()));

    /// <summary>NJsonSchema paths look like <c>#/items[2].price</c>; the API speaks <c>$.items[2].price</c>.</summary>
    private static string JsonPath(string? path)
    {
        var rest = (path ?? "").TrimStart('#').TrimStart('/');
        return rest.Length == 0 ? "$" : rest.StartsWith('[') ? "$" + rest : "$." + rest;
    }

    /// <summary>
    /// A cycle through edges that check the same value again ($ref, allOf, anyOf, oneOf, not) never
    /// ends, and NJsonSchema would overflow the stack. Cycles through properties or items are fine:
    /// each step goes one level down into a payload of bounded depth.
    /// </summary>
    private static bool HasEndlessLoop(HashSet<JsonSchema> nodes)
    {
        var done = new HashSet<JsonSchema>(ReferenceEqualityComparer.Instance);
        var onPath = new HashSet<JsonSchema>(ReferenceEqualityComparer.Instance);
        foreach (var start in nodes)
        {
            if (done.Contains(start)) continue;
            var stack = new Stack<(JsonSchema Node, IEnumerator<JsonSchema> Next)>();
            stack.Push((start, SameValueEdges(start).GetEnumerator()));
            onPath.Add(start);
            while (stack.TryPeek(out var top))
            {
                if (!top.Next.MoveNext())
                {
                    stack.Pop();
                    onPath.Remove(top.Node);
                    done.Add(top.Node);
                    continue;
                }
                var next = top.Next.Current;
                if (onPath.Contains(next)) return true;
                if (done.Contains(next)) continue;
                onPath.Add(next);
                stack.Push((next, SameValueEdges(next).GetEnumerator()));
            }
        }
        return false;
    }

    /// <summary>Every schema node reachable from the root.</summary>
    private static HashSet<JsonSchema> Nodes(JsonSchema root)
    {
        var nodes = new HashSet<JsonSchema>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<JsonSchema>([root]);
        while (pending.TryPop(out var node))
            if (nodes.Add(node))
                foreach (var child in Children(node)) pending.Push(child);
        return nodes;
    }

    private static IEnumerable<JsonSchema> SameValueEdges(JsonSchema s) =>
        new[] { s.Reference, s.Not }.OfType<JsonSchema>().Concat(s.AllOf).Concat(s.AnyOf).Concat(s.OneOf);

    private static IEnumerable<JsonSchema> Children(JsonSchema s) =>
        new[] { s.Reference, s.Item, s.Not, s.AdditionalPropertiesSchema, s.AdditionalItemsSchema }.OfType<JsonSchema>()
            .Concat(s.Properties.Values).Concat(s.PatternProperties.Values).Concat(s.Definitions.Values)
            .Concat(s.Items).Concat(s.AllOf).Concat(s.AnyOf).Concat(s.OneOf);

    private sealed class LocalReferencesOnly(JsonSchemaAppender appender) : JsonReferenceResolver(appender)
    {
        public override Task<IJsonReference> ResolveUrlReferenceAsync(string url, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException($"the remote reference '{url}' is not allowed; keep every $ref inside the schema (#/definitions/...).");

        public override Task<IJsonReference> ResolveFileReferenceAsync(string filePath, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException($"the file reference '{filePath}' is not allowed; keep every $ref inside the schema (#/definitions/...).");
    }
}
