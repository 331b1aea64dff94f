using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using Newtonsoft.Json.Linq;
using NJsonSchema;
using NJsonSchema.Validation;
using NJsonSchema.Validation.FormatValidators;

namespace Webhooks.EventTypes;

/// <summary>
/// A schema's regular expressions (<c>pattern</c> and the names in <c>patternProperties</c>) run on .NET's
/// non-backtracking engine, whose time is linear in the length of the value, so no payload can hold a thread
/// in a match. NJsonSchema would run them on the backtracking engine, so compiling takes them out of its
/// reach (<see cref="TakeOver"/>) and <see cref="PatternValidator"/> evaluates them where NJsonSchema would have.
/// </summary>
internal static class SchemaPatterns
{
    /// <summary>
    /// A stored schema registered before patterns had to run in linear time may use what the engine cannot run
    /// (a backreference, a lookaround); it keeps working on the backtracking engine, bounded by this.
    /// </summary>
    public static readonly TimeSpan StoredPatternTimeout = TimeSpan.FromSeconds(1);

    // Stands in for patternProperties that were taken over: NJsonSchema decides whether a schema is a mere reference
    // partly from whether it has patternProperties, so they are replaced, not removed. "^(?!)" fails at once on any name.
    private const string NeverMatches = "^(?!)";

    private static readonly ConditionalWeakTable<JsonSchema, Regex> Patterns = new();
    private static readonly ConditionalWeakTable<JsonSchema, PropertyRules> Properties = new();

    /// <summary>What NJsonSchema would have checked of an object's undeclared members: patternProperties, then additionalProperties.</summary>
    private sealed record PropertyRules(IReadOnlyList<(Regex Name, JsonSchema Schema)> Patterns, JsonSchema? Additional, bool AllowAdditional);

    /// <summary>
    /// Compiles every pattern of the schema's nodes and takes them over; the reason a pattern cannot be
    /// used, or null. A schema being registered must use only what the linear-time engine runs; a
    /// <paramref name="stored"/> one falls back to the backtracking engine with <see cref="StoredPatternTimeout"/>.
    /// </summary>
    public static string? TakeOver(IReadOnlyCollection<JsonSchema> nodes, bool stored)
    {
        var patterns = new List<(JsonSchema, Regex)>();
        var properties = new List<(JsonSchema, PropertyRules)>();
        foreach (var node in nodes)
        {
            if (!string.IsNullOrEmpty(node.Pattern))
            {
                if (Compile(node.Pattern, stored, out var error) is not { } regex) return error;
                patterns.Add((node, regex));
            }
            if (node.PatternProperties.Count > 0)
            {
                var names = new List<(Regex, JsonSchema)>();
                foreach (var (pattern, schema) in node.PatternProperties)
                {
                    if (Compile(pattern, stored, out var error) is not { } regex) return error;
                    names.Add((regex, schema));
                }
                properties.Add((node, new PropertyRules(names, node.AdditionalPropertiesSchema, node.AllowAdditionalProperties)));
            }
        }
        // Only once every pattern compiled: a refused schema is left as it was.
        foreach (var (node, regex) in patterns)
        {
            node.Pattern = null;
            Patterns.AddOrUpdate(node, regex);
        }
        foreach (var (node, rules) in properties)
        {
            node.PatternProperties.Clear();
            node.PatternProperties[NeverMatches] = new JsonSchemaProperty();
            // As with patternProperties, whether there is an additionalProperties schema must not change.
            if (node.AdditionalPropertiesSchema is not null) node.AdditionalPropertiesSchema = new JsonSchema();
            else node.AllowAdditionalProperties = true;
            Properties.AddOrUpdate(node, rules);
        }
        return null;
    }

    private static Regex? Compile(string pattern, bool stored, out string? error)
    {
        error = null;
        try
        {
            return new Regex(pattern, RegexOptions.NonBacktracking);
        }
        catch (NotSupportedException e)
        {
            if (stored) return new Regex(pattern, RegexOptions.None, StoredPatternTimeout);
            error = $"The pattern '{pattern}' cannot be evaluated in linear time, which every pattern here must be: "
                + "backreferences, lookahead and lookbehind, atomic groups and conditionals are not supported, nor patterns "
                + $"that expand to very large automata. ({e.Message})";
            return null;
        }
        catch (ArgumentException)
        {
            error = $"'{pattern}' is not a valid regular expression.";
            return null;
        }
    }

    /// <summary>
    /// NJsonSchema's validator with the patterns taken over evaluated the way NJsonSchema evaluates them:
    /// a string value must match its schema's pattern; each member of an object is checked against the
    /// first patternProperties entry whose pattern its name matches, and a member neither declared nor
    /// matched against additionalProperties.
    /// </summary>
    public sealed class PatternValidator() : JsonSchemaValidator(new JsonSchemaValidatorSettings { FormatValidators = BoundedFormats() })
    {
        protected override ICollection<ValidationError> Validate(JToken token, JsonSchema schema, SchemaType schemaType, string? propertyName, string propertyPath)
        {
            var errors = base.Validate(token, schema, schemaType, propertyName, propertyPath);
            // Payload trees hold strings as strings only (dates are never parsed), so String is every string value.
            if (token.Type == JTokenType.String && Patterns.TryGetValue(schema, out var pattern) && !pattern.IsMatch((string)token!))
                errors.Add(new ValidationError(ValidationErrorKind.PatternMismatch, propertyName, propertyPath, token, schema));
            if (token is JObject members && Properties.TryGetValue(schema, out var rules))
                ValidateMembers(members, schema, rules, schemaType, propertyPath, errors);
            return errors;
        }

        private void ValidateMembers(JObject members, JsonSchema schema, PropertyRules rules, SchemaType schemaType, string propertyPath, ICollection<ValidationError> errors)
        {
            foreach (var member in members.Properties())
            {
                var matched = rules.Patterns.FirstOrDefault(p => p.Name.IsMatch(member.Name)).Schema;
                if (matched is not null) Child(member, matched);
                else if (schema.Properties.ContainsKey(member.Name)) continue;
                else if (rules.Additional is not null) Child(member, rules.Additional);
                else if (!rules.AllowAdditional)
                    errors.Add(new ValidationError(ValidationErrorKind.NoAdditionalPropertiesAllowed, member.Name,
                        string.IsNullOrEmpty(propertyPath) ? member.Name : propertyPath + "." + member.Name, member, schema));
            }

            void Child(JProperty member, JsonSchema child)
            {
                var found = Validate(member.Value, child.ActualSchema, schemaType, null, member.Path);
                if (found.Count > 0)
                    errors.Add(new ChildSchemaValidationError(ValidationErrorKind.AdditionalPropertiesNotValid, member.Name, member.Path,
                        new Dictionary<JsonSchema, ICollection<ValidationError>> { [child] = found }, member.Value, schema));
            }
        }

        /// <summary>
        /// NJsonSchema's format validators; those that use a backtracking regular expression see only values
        /// no longer than the format allows (an e-mail address has at most 254 characters, a host name 253),
        /// so a long value is refused without running it.
        /// </summary>
        private static IFormatValidator[] BoundedFormats() => new JsonSchemaValidatorSettings().FormatValidators.Select(v => v switch
        {
            EmailFormatValidator => new AtMost(v, 254),
            HostnameFormatValidator => new AtMost(v, 253),
            IpV4FormatValidator => new AtMost(v, 15),
            _ => v,
        }).ToArray();

        private sealed class AtMost(IFormatValidator inner, int length) : IFormatValidator
        {
            public string Format => inner.Format;
            public ValidationErrorKind ValidationErrorKind => inner.ValidationErrorKind;
            public bool IsValid(string value, JTokenType tokenType) => value.Length <= length && inner.IsValid(value, tokenType);
        }
    }
}
