using System.Globalization;

namespace Webhooks.Ui;

/// <summary>
/// Reads a page's query parameters, which arrive as text a person (or anyone) can edit: a value that does not read
/// is recorded as a readable error, which the page shows with status 400, rather than an exception (a 500).
/// </summary>
public sealed class QueryText
{
    private readonly List<string> _errors = [];

    public IReadOnlyList<string> Errors => _errors;
    public bool IsValid => _errors.Count == 0;

    public Guid? Id(string? text, string name)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (Guid.TryParse(text.Trim(), out var id)) return id;
        _errors.Add($"{name} \"{Cut(text)}\" is not an id; an id looks like 0193f0c2-7d1e-7c3a-9a53-5f2b2c9d1e0a.");
        return null;
    }

    public int? Int(string? text, string name, int min, int max)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (int.TryParse(text.Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max) return value;
        _errors.Add($"{name} \"{Cut(text)}\" is not a whole number from {min} to {max}.");
        return null;
    }

    public DateTimeOffset? Time(string? text, string name)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (UiFormat.ParseTime(text) is { } time) return time;
        _errors.Add($"{name} \"{Cut(text)}\" is not a time; write it like 2026-11-22T08:00 (UTC).");
        return null;
    }

    public bool Flag(string? text, string name)
    {
        if (string.IsNullOrWhiteSpace(text)) return false;
        if (bool.TryParse(text.Trim(), out var flag)) return flag;
        _errors.Add($"{name} \"{Cut(text)}\" must be true or false.");
        return false;
    }

    /// <summary>One of the allowed words, or null when blank.</summary>
    public string? OneOf(string? text, string name, IReadOnlyCollection<string> allowed)
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (allowed.Contains(text.Trim())) return text.Trim();
        _errors.Add($"{name} \"{Cut(text)}\" must be one of: {string.Join(", ", allowed)}.");
        return null;
    }

    /// <summary>A paging cursor made by <see cref="Cursor.Make"/>: a sort key and an id. Anything else is refused.</summary>
    public Cursor? Cursor(string? text, string name = "after")
    {
        if (string.IsNullOrWhiteSpace(text)) return null;
        if (Ui.Cursor.TryRead(text.Trim(), out var cursor)) return cursor;
        _errors.Add($"{name} \"{Cut(text)}\" is not a page of this list; go back to the first page.");
        return null;
    }

    public void Add(string error) => _errors.Add(error);

    private static string Cut(string text) => text.Length <= 60 ? text : text[..60] + "…";
}

/// <summary>Where the next page of a sorted list starts: after the row with this sort key and id ("502~0193…", or just the id).</summary>
public readonly record struct Cursor(long? Key, Guid Id)
{
    public static string Make(long? key, Guid id) => key is { } k ? $"{k.ToString(CultureInfo.InvariantCulture)}~{id}" : id.ToString();

    public static bool TryRead(string text, out Cursor cursor)
    {
        cursor = default;
        var parts = text.Split('~');
        if (parts.Length == 1 && Guid.TryParse(parts[0], out var id)) { cursor = new(null, id); return true; }
        if (parts.Length == 2 && long.TryParse(parts[0], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var key) && Guid.TryParse(parts[1], out id))
        {
            cursor = new(key, id);
            return true;
        }
        return false;
    }
}
