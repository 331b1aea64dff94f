using System.Text.RegularExpressions;

namespace Webhooks.Tests.Docs;

/// <summary>The README and docs/*.md as the docs tests read them: links, headings, table rows and fenced code.</summary>
public static partial class Markdown
{
    public static IEnumerable<string> Files(string root) =>
        Directory.GetFiles(Path.Combine(root, "docs"), "*.md").Prepend(Path.Combine(root, "README.md"));

    /// <summary>The text outside fenced code blocks.</summary>
    public static string Prose(string text) => Fence().Replace(text, "");

    public static IEnumerable<string> Links(string text) => Link().Matches(Prose(text)).Select(m => m.Groups[1].Value);

    /// <summary>The anchors GitHub gives the headings: lower case, punctuation dropped, spaces as hyphens, repeats numbered.</summary>
    public static HashSet<string> Anchors(string text)
    {
        var anchors = new HashSet<string>();
        foreach (Match heading in Heading().Matches(Prose(text)))
        {
            var slug = NotInSlug().Replace(heading.Groups[1].Value.Trim().ToLowerInvariant(), "").Replace(' ', '-');
            var unique = slug;
            for (var n = 1; !anchors.Add(unique); n++) unique = $"{slug}-{n}";
        }
        return anchors;
    }

    /// <summary>The code of each fenced block with the given language.</summary>
    public static IEnumerable<string> Code(string text, string language) =>
        Fence().Matches(text).Where(m => m.Groups[1].Value == language).Select(m => m.Groups[2].Value);

    /// <summary>
    /// The configuration keys that begin a table row: in backticks, with a colon, or a single capitalised word like AllowedHosts;
    /// <c>`...:Key`</c> is a sibling of the key before it.
    /// </summary>
    public static IEnumerable<string> KeysInTables(string text)
    {
        foreach (var line in Prose(text).Split('\n').Where(l => l.StartsWith('|')))
        {
            var first = line.Split('|')[1];
            string? previous = null;
            foreach (Match key in Key().Matches(first))
            {
                var value = key.Groups[1].Value;
                if (value.StartsWith("...:") && previous is not null) value = previous[..previous.LastIndexOf(':')] + value[3..];
                if (value.Contains(' ') || !value.Contains(':') && !TopLevelKey().IsMatch(value)) continue;
                previous = value;
                yield return value;
            }
        }
    }

    [GeneratedRegex(@"^```(\w*)\n(.*?)^```", RegexOptions.Multiline | RegexOptions.Singleline)]
    private static partial Regex Fence();

    [GeneratedRegex(@"\]\(([^)\s]+)\)")]
    private static partial Regex Link();

    [GeneratedRegex(@"^#{1,6} (.+)$", RegexOptions.Multiline)]
    private static partial Regex Heading();

    [GeneratedRegex(@"[^\p{L}\p{N}_\- ]")]
    private static partial Regex NotInSlug();

    [GeneratedRegex("^[A-Z][A-Za-z]+$")]
    private static partial Regex TopLevelKey();

    [GeneratedRegex(@"`([^`]+)`")]
    private static partial Regex Key();
}
