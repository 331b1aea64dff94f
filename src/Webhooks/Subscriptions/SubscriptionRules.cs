using System.Text.RegularExpressions;
using Webhooks.Delivery.Formats;
using Webhooks.EventTypes;

namespace Webhooks.Subscriptions;

/// <summary>What a subscription's filters, headers and rate limit may hold; errors keyed by JSON path.</summary>
public static partial class SubscriptionRules
{
    public const int MaxRateLimit = 100_000;

    private static readonly HashSet<string> ReservedHeaders = new(StringComparer.OrdinalIgnoreCase)
    {
        "host", "content-type", "content-length", "transfer-encoding", "connection", "user-agent", "expect", "upgrade",
        "te", "trailer", "keep-alive", "proxy-authorization", "proxy-connection",
    };

    public static void CheckFilters(string[]? filters, Dictionary<string, string[]> errors)
    {
        if (filters is null || filters.Length == 0 || filters.Length > 100)
        {
            errors["$.eventTypes"] = ["eventTypes must list 1 to 100 event type names or 'prefix.*' filters."];
            return;
        }
        for (var i = 0; i < filters.Length; i++)
            if (filters[i] is not "*" && !EventTypeNames.IsValid(filters[i]) && !(filters[i]?.EndsWith(".*") == true && EventTypeNames.IsValid(filters[i][..^2])))
                errors[$"$.eventTypes[{i}]"] = [$"'{filters[i]}' is not an event type name (like order.placed) or a filter like order.*."];
    }

    /// <summary>
    /// Custom header names must be valid, not ones the sender sets itself, and not content headers (the request
    /// would silently go without them); values are visible ASCII, spaces and tabs, as HTTP allows them.
    /// </summary>
    public static void CheckHeaders(Dictionary<string, string>? headers, Dictionary<string, string[]> errors)
    {
        if (headers is null) return;
        if (headers.Count > 20) errors["$.headers"] = ["headers may hold at most 20 entries."];
        using var probe = new HttpRequestMessage();
        foreach (var (name, value) in headers)
        {
            var path = "$.headers." + (HeaderName().IsMatch(name) ? name : Printable(name));
            if (!HeaderName().IsMatch(name) || ReservedHeaders.Contains(name) || name.StartsWith("webhook-", StringComparison.OrdinalIgnoreCase)
                || name.StartsWith("ce-", StringComparison.OrdinalIgnoreCase))
                errors[path] = [$"'{Printable(name)}' cannot be a custom header: it is reserved or not a valid header name."];
            else if (!probe.Headers.TryAddWithoutValidation(name, "x"))
                errors[path] = [$"'{name}' describes the body, which the service sets: it would never be sent."];
            else if (value is null || value.Length > 4096 || !value.All(c => c is '\t' or (>= ' ' and <= '~')))
                errors[path] = ["A header value must be at most 4096 characters: visible ASCII characters, spaces and tabs."];
        }
    }

    public static void CheckFormat(string? format, Dictionary<string, string[]> errors)
    {
        if (format is not null && !DeliveryFormats.All.Contains(format))
            errors["$.format"] = [$"format must be one of {string.Join(", ", DeliveryFormats.All.Select(f => $"'{f}'"))}."];
    }

    /// <summary>A name as it can be shown back: control and non-ASCII characters escaped.</summary>
    private static string Printable(string text) =>
        string.Concat(text.Take(100).Select(c => c is >= ' ' and <= '~' ? c.ToString() : $"\\u{(int)c:x4}"));

    public static void CheckRateLimit(int? rateLimit, Dictionary<string, string[]> errors)
    {
        if (rateLimit is < 1 or > MaxRateLimit)
            errors["$.rateLimitPerSecond"] = [$"rateLimitPerSecond must be between 1 and {MaxRateLimit}, or null for no limit."];
    }

    [GeneratedRegex("^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,100}$")]
    private static partial Regex HeaderName();
}
