using System.Text.Json;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
using NJsonSchema;
using NJsonSchema.Validation;
using Webhooks.EventTypes;

namespace Webhooks.Tests.EventTypes;

/// <summary>Payloads are validated from the element the request was parsed into; the verdict must be NJsonSchema's own on the text.</summary>
public sealed class SchemaValidationTests
{
    private const string Schema = """
        {"type":"object","additionalProperties":false,
         "properties":{"i":{"type":"integer","minimum":0},"n":{"type":"number","maximum":100},"m":{"type":"number","multipleOf":0.5},
                       "s":{"type":"string","format":"date-time","maxLength":30},"e":{"enum":[1,"1",null,true]},
                       "a":{"type":"array","maxItems":3,"items":{"type":"integer"}},"o":{"type":"object","required":["k"],"properties":{"k":{"type":["string","null"]}}}}}
        """;

    public static TheoryData<string> Instances() =>
    [
        """{"i":7}""", """{"i":7.0}""", """{"i":1e2}""", """{"i":-0}""", """{"i":-1}""", """{"a":[123456789012345678901234567890]}""",
        """{"i":"7"}""", """{"n":100.0000001}""", """{"n":1E+2}""", """{"n":1.5e400}""", """{"m":2.5}""", """{"m":2.25}""",
        """{"s":"2024-02-30T00:00:00Z"}""", """{"s":"2024-01-01T00:00:00Z"}""", """{"s":"not a date"}""", """{"e":1}""", """{"e":1.0}""",
        """{"e":"1"}""", """{"e":null}""", """{"e":false}""", """{"a":[1,2,3,4]}""", """{"a":[1,"2",3.5]}""", """{"o":{}}""",
        """{"o":{"k":null}}""", """{"o":{"k":5}}""", """{"x":1}""", """{"s":"é\u00e9\ud83d\ude00"}""", """{"i":1,"i":"twice"}""",
    ];

    [Theory]
    [MemberData(nameof(Instances))]
    public async Task Validating_the_parsed_element_finds_what_NJsonSchema_finds_in_the_text(string instance)
    {
        var schema = (await SchemaCompiler.CompileAsync(Schema)).Schema!;
        using var document = JsonDocument.Parse(instance);

        var found = SchemaCompiler.Validate(schema, document.RootElement);

        using var reader = new JsonTextReader(new StringReader(instance)) { DateParseHandling = DateParseHandling.None };
        var expected = SchemaCompiler.Validate(schema, JToken.ReadFrom(reader));
        Assert.Equal(expected.OrderBy(e => e.Key), found.OrderBy(e => e.Key));
    }

    private const string PatternSchema = """
        {"type":"object","required":["code"],
         "properties":{"code":{"type":"string","pattern":"^[A-Z]{2}-\\d+$"},"any":{"pattern":"b$"},
                       "nested":{"$ref":"#/definitions/tagged"},"list":{"type":"array","items":{"type":"string","pattern":"^x"}},
                       "either":{"anyOf":[{"type":"string","pattern":"^a"},{"type":"string","pattern":"^b"}]},
                       "aa":{"type":"string"}},
         "patternProperties":{"^a+$":{"type":"integer"},"^b":{"type":"string","pattern":"z"}},
         "additionalProperties":false,
         "definitions":{"tagged":{"type":"object","patternProperties":{"^t_":{"type":"boolean"}},"additionalProperties":{"type":"number"}}}}
        """;

    public static TheoryData<string> PatternInstances() =>
    [
        """{"code":"AB-12"}""", """{"code":"ab-12"}""", """{"code":"AB-12\n"}""", """{"code":"AB-12","any":"ab"}""", """{"code":"AB-1","any":"ba"}""",
        """{"code":"AB-1","any":5}""", """{"code":"AB-1","a":1,"aaa":2}""", """{"code":"AB-1","a":"one"}""", """{"code":"AB-1","aa":"x"}""",
        """{"code":"AB-1","b1":"xyz"}""", """{"code":"AB-1","b1":"xy"}""", """{"code":"AB-1","c":1}""", """{"code":"AB-1","ab":1}""",
        """{"code":"AB-1","nested":{"t_1":true,"t_2":"no","n":1.5,"m":"x"}}""", """{"code":"AB-1","list":["x1","y2","x3"]}""",
        """{"code":"AB-1","either":"a1"}""", """{"code":"AB-1","either":"c1"}""", """{"code":"AB-1","either":3}""", """{"code":"é"}""", """[]""",
    ];

    /// <summary>Patterns run on the linear-time engine, outside NJsonSchema; the verdict and every message must stay NJsonSchema's own.</summary>
    [Theory]
    [MemberData(nameof(PatternInstances))]
    public async Task Patterns_run_outside_NJsonSchema_give_NJsonSchema_s_verdict(string instance)
    {
        var schema = (await SchemaCompiler.CompileAsync(PatternSchema)).Schema!;
        var stock = await JsonSchema.FromJsonAsync(PatternSchema);
        using var document = JsonDocument.Parse(instance);

        var found = SchemaCompiler.Validate(schema, document.RootElement);

        var expected = SchemaCompiler.Describe(new JsonSchemaValidator().Validate(instance, stock));
        Assert.Equal(expected.OrderBy(e => e.Key), found.OrderBy(e => e.Key));
    }

    [Fact]
    public async Task A_stored_schema_keeps_a_pattern_the_linear_time_engine_cannot_run()
    {
        const string schemaJson = """{"type":"string","pattern":"^(\\w)\\1$"}""";
        Assert.NotNull((await SchemaCompiler.CompileAsync(schemaJson)).Error);
        var schema = (await SchemaCompiler.CompileAsync(schemaJson, stored: true)).Schema!;
        using var same = JsonDocument.Parse("\"aa\"");
        using var different = JsonDocument.Parse("\"ab\"");

        Assert.Empty(SchemaCompiler.Validate(schema, same.RootElement));
        Assert.Equal(["Pattern mismatch."], SchemaCompiler.Validate(schema, different.RootElement)["$"]);
    }

    [Fact]
    public async Task An_integer_too_large_for_a_bound_is_a_validation_error_not_a_crash()
    {
        var schema = (await SchemaCompiler.CompileAsync(Schema)).Schema!;
        using var document = JsonDocument.Parse("""{"i":123456789012345678901234567890}""");

        var found = SchemaCompiler.Validate(schema, document.RootElement);

        Assert.Equal(["A number is too large to check against the schema."], found["$"]);
    }
}
