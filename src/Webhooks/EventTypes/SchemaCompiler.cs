using NJsonSchema;
using NJsonSchema.References;
using NJsonSchema.Validation;

namespace Webhooks.EventTypes;

public sealed record CompileResult(JsonSchema? Schema, string? Error);

/// <summary>
/// Compiles event type schemas with NJsonSchema. Only references inside the schema itself are
/// resolved; a remote or file <c>$ref</c> is refused without any I/O, and so is a loop of references.
/// </summary>
public static class SchemaCompiler
{
    public static async Task<CompileResult> CompileAsync(string json)
    {
        JsonSchema schema;
        try
        {
            schema = await JsonSchema.FromJsonAsync(json, documentPath: null,
                s => new LocalReferencesOnly(new JsonSchemaAppender(s, new DefaultTypeNameGenerator())));
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            return new(null, "The schema does not compile: " + (e.InnerException ?? e).Message);
        }
        return FindReferenceLoop(schema) is { } loop ? new(null, loop) : new(schema, null);
    }

    /// <summary>Every failing path of the instance, as <c>$.a.b[2]</c>, with what failed there.</summary>
    public static Dictionary<string, string[]> Validate(JsonSchema schema, string json)
    {
        var errors = new Dictionary<string, List<string>>();
        Collect(schema.Validate(json), errors);
        return errors.ToDictionary(e => e.Key, e => e.Value.Distinct().ToArray());
    }

    private static void Collect(IEnumerable<ValidationError> found, Dictionary<string, List<string>> errors)
    {
        foreach (var error in found)
        {
            if (error is ChildSchemaValidationError child)
                foreach (var branch in child.Errors.Values) Collect(branch, errors);
            var path = JsonPath(error.Path);
            if (!errors.TryGetValue(path, out var messages)) errors[path] = messages = [];
            messages.Add(Describe(error));
        }
    }

    private static string Describe(ValidationError error) => error.Kind switch
    {
        ValidationErrorKind.PropertyRequired => $"'{error.Property}' is required.",
        ValidationErrorKind.NoAdditionalPropertiesAllowed => $"'{error.Property}' is not allowed.",
        _ => $"{error.Kind}.",
    };

    /// <summary>NJsonSchema paths look like <c>#/items[2].price</c>; the API speaks <c>$.items[2].price</c>.</summary>
    private static string JsonPath(string? path)
    {
        if (string.IsNullOrEmpty(path) || path == "#") return "$";
        var rest = path.StartsWith('#') ? path[1..] : path;
        rest = rest.TrimStart('/');
        return rest.StartsWith('[') ? "$" + rest : "$." + rest;
    }

    private static string? FindReferenceLoop(JsonSchema root)
    {
        var visited = new HashSet<JsonSchema>(ReferenceEqualityComparer.Instance);
        var pending = new Stack<JsonSchema>([root]);
        while (pending.TryPop(out var schema))
        {
            if (!visited.Add(schema)) continue;
            // A chain of bare references that comes back to itself never reaches a schema to check against.
            var chain = new HashSet<JsonSchema>(ReferenceEqualityComparer.Instance);
            for (var current = schema; current.Reference is not null; current = current.Reference)
                if (!chain.Add(current)) return "The schema has a $ref loop: a reference that resolves, through references only, to itself.";
            foreach (var next in Children(schema)) if (next is not null) pending.Push(next);
        }
        return null;
    }

    private static IEnumerable<JsonSchema?> Children(JsonSchema s) =>
        [s.Reference, s.Item, s.Not, s.AdditionalPropertiesSchema, s.AdditionalItemsSchema, s.DictionaryKey,
         .. s.Properties.Values, .. s.PatternProperties.Values, .. s.Definitions.Values, .. s.Items, .. s.AllOf, .. s.AnyOf, .. s.OneOf];

    private sealed class LocalReferencesOnly(JsonSchemaAppender appender) : JsonReferenceResolver(appender)
    {
        public override Task<IJsonReference> ResolveUrlReferenceAsync(string url, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException($"the remote reference '{url}' is not allowed; keep every $ref inside the schema (#/definitions/...).");

        public override Task<IJsonReference> ResolveFileReferenceAsync(string filePath, CancellationToken cancellationToken = default) =>
            throw new NotSupportedException($"the file reference '{filePath}' is not allowed; keep every $ref inside the schema (#/definitions/...).");
    }
}
