using System.Text.Json;
using Newtonsoft.Json;
using Newtonsoft.Json.Linq;
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

    [Fact]
    public async Task An_integer_too_large_for_a_bound_is_a_validation_error_not_a_crash()
    {
        var schema = (await SchemaCompiler.CompileAsync(Schema)).Schema!;
        using var document = JsonDocument.Parse("""{"i":123456789012345678901234567890}""");

        var found = SchemaCompiler.Validate(schema, document.RootElement);

        Assert.Equal(["A number is too large to check against the schema."], found["$"]);
    }
}
