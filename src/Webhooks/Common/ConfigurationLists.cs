namespace Webhooks.Common;

/// <summary>
/// A list-valued key taken whole from the one configuration source that sets it last, as one
/// comma-separated string (<c>Webhooks__Delivery__RetrySchedule=5s,1m</c>) or as entries
/// (<c>...__RetrySchedule__0=5s</c>). The binder merges entries by index across sources instead, so an
/// environment variable could change entries of the appsettings.json list but never shorten it.
/// </summary>
public static class ConfigurationLists
{
    /// <summary>The list as the winning source gives it, trimmed, empty items dropped; null when no source sets the key.</summary>
    public static IReadOnlyList<string>? Read(IConfiguration configuration, string key)
    {
        if (configuration is not IConfigurationRoot root) return null;
        foreach (var provider in root.Providers.Reverse())
        {
            var entries = provider.GetChildKeys([], key).Distinct().ToList();
            if (entries.Count > 0)
                return entries
                    .OrderBy(e => int.TryParse(e, out var index) ? index : int.MaxValue).ThenBy(e => e, StringComparer.Ordinal)
                    .Select(e => provider.TryGet($"{key}:{e}", out var value) ? value?.Trim() : null)
                    .Where(v => !string.IsNullOrEmpty(v)).Select(v => v!).ToList();
            // An empty JSON array, or an empty variable, sets the list to nothing.
            if (provider.TryGet(key, out var whole))
                return (whole ?? "").Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        }
        return null;
    }
}
