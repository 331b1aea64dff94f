using System.Buffers.Text;
using System.Text;

namespace Webhooks.Common;

/// <summary>One page of a list and the opaque cursor of the next one.</summary>
public sealed record Page<T>(IReadOnlyList<T> Data, string? NextCursor);

/// <summary>The <c>?limit=</c> and <c>?cursor=</c> of a list request.</summary>
public sealed record PageRequest(int Limit, string? After)
{
    public const int DefaultLimit = 50;
    public const int MaxLimit = 500;

    /// <summary>
    /// Reads limit and cursor, or returns the validation errors keyed by parameter. A cursor holds the key of the
    /// last row of the previous page: an id, or what <paramref name="isKey"/> accepts; anything else was not made here.
    /// </summary>
    public static PageRequest Parse(int? limit, string? cursor, out Dictionary<string, string[]> errors, Func<string, bool>? isKey = null)
    {
        errors = [];
        if (limit is < 1 or > MaxLimit)
            errors["limit"] = [$"limit must be between 1 and {MaxLimit}."];
        string? after = null;
        if (!string.IsNullOrEmpty(cursor))
        {
            try { after = Encoding.UTF8.GetString(Base64Url.DecodeFromChars(cursor)); }
            catch (FormatException) { }
            if (after is null || !(isKey ?? IsId)(after))
            {
                after = null;
                errors["cursor"] = ["cursor is not one this API returned."];
            }
        }
        return new PageRequest(limit ?? DefaultLimit, after);
    }

    private static bool IsId(string key) => Guid.TryParse(key, out _);

    public Guid? AfterId => Guid.TryParse(After, out var id) ? id : null;

    /// <summary>Cuts the limit+1 rows a query fetched to one page and makes the cursor from the last row kept.</summary>
    public Page<TOut> ToPage<TIn, TOut>(List<TIn> rows, Func<TIn, string> key, Func<TIn, TOut> map)
    {
        var more = rows.Count > Limit;
        if (more) rows.RemoveAt(rows.Count - 1);
        var next = more ? Base64Url.EncodeToString(Encoding.UTF8.GetBytes(key(rows[^1]))) : null;
        return new Page<TOut>(rows.Select(map).ToList(), next);
    }
}
