using System.Text.Encodings.Web;
using System.Text.Json;

namespace Webhooks.Ui;

public static class UiFormat
{
    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>What an attempt got back, in a word: the HTTP status, the error kind, or a broker's confirm (a success without a status).</summary>
    public static string AttemptAnswer(int? statusCode, string? errorKind) =>
        statusCode is { } code ? $"HTTP {code}" : errorKind ?? "confirmed by the broker";

    public static string PrettyJson(string? json)
    {
        if (string.IsNullOrWhiteSpace(json)) return "";
        try { return JsonSerializer.Serialize(JsonDocument.Parse(json).RootElement, Indented); }
        catch (JsonException) { return json; }
    }

    /// <summary>A replay's recorded filter as "subscriptionId 0193…, status dead", leaving out what was not set.</summary>
    public static string FilterSummary(string? json)
    {
        try
        {
            var parts = JsonDocument.Parse(json ?? "{}").RootElement.EnumerateObject()
                .Where(p => p.Value.ValueKind is not (JsonValueKind.Null or JsonValueKind.Undefined))
                .Select(p => p.Value.ValueKind == JsonValueKind.Array
                    ? $"{p.Value.GetArrayLength()} selected {p.Name}"
                    : $"{p.Name} {p.Value}");
            var text = string.Join(", ", parts);
            return text.Length == 0 ? "everything" : text;
        }
        catch (JsonException) { return json ?? ""; }
    }

    public static string Percent(double? rate) => rate is { } r ? (r * 100).ToString("0.#") + " %" : "no attempts yet";

    /// <summary>What a long job does, in words.</summary>
    public static string JobKind(string kind) => kind switch
    {
        "replay" => "Bulk replay",
        "partner-delete" => "Discarding a removed partner's unsent deliveries",
        "subscription-delete" => "Discarding a deleted subscription's unsent deliveries",
        _ => kind,
    };

    public static string Short(Guid id) => id.ToString()[..8];

    public static Dictionary<string, string> Headers(string? json)
    {
        if (string.IsNullOrEmpty(json)) return [];
        try { return JsonSerializer.Deserialize<Dictionary<string, string>>(json) ?? []; }
        catch (JsonException) { return []; }
    }

    /// <summary>"a: 1" lines, one header a line, as people type them.</summary>
    public static string HeaderLines(Dictionary<string, string> headers) => string.Join("\n", headers.Select(h => $"{h.Key}: {h.Value}"));

    public static Dictionary<string, string> ParseHeaderLines(string? text, Dictionary<string, string[]> errors)
    {
        var headers = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
        foreach (var (line, i) in (text ?? "").Split('\n').Select((l, i) => (l.Trim(), i)))
        {
            if (line.Length == 0) continue;
            var colon = line.IndexOf(':');
            if (colon <= 0) { errors["$.headers"] = [$"Line {i + 1} is not 'Name: value'."]; continue; }
            headers[line[..colon].Trim()] = line[(colon + 1)..].Trim();
        }
        return headers;
    }

    /// <summary>Filters as typed: separated by commas, spaces or new lines.</summary>
    public static string[] SplitList(string? text) =>
        (text ?? "").Split([',', ' ', '\n', '\r', '\t'], StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);

    /// <summary>Reads a time typed in a filter box (UTC): "2026-11-22 08:00", "2026-11-22T08:00:00Z"...</summary>
    public static DateTimeOffset? ParseTime(string? text) =>
        DateTimeOffset.TryParse(text, System.Globalization.CultureInfo.InvariantCulture,
            System.Globalization.DateTimeStyles.AssumeUniversal | System.Globalization.DateTimeStyles.AdjustToUniversal, out var t) ? t : null;

    public static string? TimeInput(DateTimeOffset? t) => t?.UtcDateTime.ToString("yyyy-MM-ddTHH:mm");
}
