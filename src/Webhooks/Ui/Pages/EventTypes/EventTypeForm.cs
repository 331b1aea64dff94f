using System.Text.Json;
using Webhooks.Common;

namespace Webhooks.Ui.Pages.EventTypes;

public sealed class EventTypeForm
{
    public string? Name { get; set; }
    public string? Description { get; set; }
    public string? Schema { get; set; }
    public string? Example { get; set; }

    /// <summary>The schema and example as JSON, or the failure that says which text box does not parse.</summary>
    public (JsonElement? Schema, JsonElement? Example, Failure? Failure) Parse()
    {
        var errors = new Dictionary<string, string[]>();
        var schema = Read(Schema, "$.schema", errors);
        var example = Read(Example, "$.example", errors);
        return (schema, example, errors.Count > 0 ? Failure.Validation(errors) : null);
    }

    private static JsonElement? Read(string? text, string path, Dictionary<string, string[]> errors)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        try { return JsonDocument.Parse(text).RootElement.Clone(); }
        catch (JsonException e) { errors[path] = [$"This is not valid JSON: {e.Message}"]; return null; }
    }
}
