using System.Text.RegularExpressions;

namespace Webhooks.EventTypes;

public static partial class EventTypeNames
{
    /// <summary>Dot-separated segments of letters, digits, '_' and '-', like <c>order.placed</c>; at most 200 characters.</summary>
    public static bool IsValid(string? name) => name is { Length: > 0 and <= 200 } && Pattern().IsMatch(name);

    /// <summary>The filters that match an event type: itself, each 'prefix.*' above it, and '*' (as event_type_filters() in SQL).</summary>
    public static IEnumerable<string> MatchingFilters(string name)
    {
        yield return name;
        yield return "*";
        for (var i = name.IndexOf('.'); i >= 0; i = name.IndexOf('.', i + 1))
            yield return name[..i] + ".*";
    }

    [GeneratedRegex(@"^[A-Za-z0-9_-]+(\.[A-Za-z0-9_-]+)*$")]
    private static partial Regex Pattern();
}
