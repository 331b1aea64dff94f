using System.Collections;
using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Docs;

/// <summary>The README and docs/ hold together: links land, the receiver snippets shown are the ones tested, every configuration key is documented once.</summary>
public sealed class DocsTests
{
    private static readonly string Root = WebhooksApp.RepositoryRoot;

    [Fact]
    public void Every_link_between_the_docs_lands_on_a_file_and_heading_that_exist()
    {
        var broken = new List<string>();
        foreach (var file in Markdown.Files(Root))
            foreach (var link in Markdown.Links(File.ReadAllText(file)))
            {
                if (Regex.IsMatch(link, "^[a-z]+:")) continue; // http:, https:, mailto:
                var (path, anchor) = link.Split('#', 2) is [var p, var a] ? (p, a) : (link, null);
                var target = path.Length == 0 ? file : Path.GetFullPath(Path.Combine(Path.GetDirectoryName(file)!, path));
                var name = Path.GetRelativePath(Root, file);
                if (!File.Exists(target) && !Directory.Exists(target))
                    broken.Add($"{name}: {link} (no such file)");
                else if (anchor is not null && !Markdown.Anchors(File.ReadAllText(target)).Contains(anchor))
                    broken.Add($"{name}: {link} (no such heading)");
            }
        Assert.Empty(broken);
    }

    [Theory]
    [InlineData("receiver.cs", "csharp")]
    [InlineData("receiver.mjs", "js")]
    [InlineData("receiver.py", "python")]
    public void The_receiving_guide_shows_the_receiver_the_tests_run(string file, string language)
    {
        var shown = Markdown.Code(File.ReadAllText(Path.Combine(Root, "docs", "receiving.md")), language).ToList();
        var tested = File.ReadAllText(Path.Combine(SnippetProcess.Folder, file));
        Assert.Contains(tested.TrimEnd() + "\n", shown);
    }

    [Fact]
    public void Every_configuration_key_is_documented_in_exactly_one_table()
    {
        var documented = Markdown.Files(Root).SelectMany(f => Markdown.KeysInTables(File.ReadAllText(f))).ToList();
        Assert.Empty(documented.GroupBy(k => k).Where(g => g.Count() > 1).Select(g => g.Key));

        var patterns = documented.Select(k => new Regex("^" + Regex.Replace(Regex.Escape(k), @"<[^>]+>", "[^:]+") + "$", RegexOptions.IgnoreCase)).ToList();
        var read = AppSettingsKeys().Concat(OptionsKeys()).Distinct(StringComparer.OrdinalIgnoreCase);
        var notOnce = read.Where(key => patterns.Count(p => p.IsMatch(key)) != 1).ToList();
        Assert.True(notOnce.Count == 0, "Not in exactly one table of README.md or docs/: " + string.Join(", ", notOnce));
    }

    /// <summary>Every leaf of appsettings.json.</summary>
    private static IEnumerable<string> AppSettingsKeys()
    {
        var keys = new List<string>();
        Walk(JsonNode.Parse(File.ReadAllText(Path.Combine(Root, "appsettings.json")))!, "");
        return keys;

        void Walk(JsonNode node, string path)
        {
            if (node is JsonObject members && members.Count > 0)
                foreach (var (name, value) in members) Walk(value!, path.Length == 0 ? name : $"{path}:{name}");
            else if (node is not JsonObject) keys.Add(path);
        }
    }

    /// <summary>Every key an options class of the app binds (classes with a Section constant); a dictionary's entries are named &lt;name&gt;.</summary>
    private static IEnumerable<string> OptionsKeys()
    {
        var keys = new List<string>();
        foreach (var type in typeof(Program).Assembly.GetTypes())
            if (type.GetField("Section", BindingFlags.Public | BindingFlags.Static)?.GetValue(null) is string section && type.GetConstructor(Type.EmptyTypes) is not null)
                Walk(type, section);
        return keys;

        void Walk(Type type, string path)
        {
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanWrite))
            {
                var key = $"{path}:{property.Name}";
                var t = property.PropertyType;
                if (t.IsGenericType && t.GetGenericTypeDefinition() == typeof(Dictionary<,>)) Walk(t.GetGenericArguments()[1], $"{key}:<name>");
                else if (t.IsClass && t != typeof(string) && !typeof(IEnumerable).IsAssignableFrom(t)) Walk(t, key);
                else keys.Add(key);
            }
        }
    }
}
