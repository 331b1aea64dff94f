namespace Webhooks.Common;

public enum FailureKind { Validation, NotFound, Conflict, Unprocessable }

/// <summary>Why a service refused a change: the API turns it into problem details, the UI shows it beside the form.</summary>
public sealed record Failure(FailureKind Kind, string Detail, IReadOnlyDictionary<string, string[]> Errors, string? Code = null, string? Title = null)
{
    private static readonly Dictionary<string, string[]> None = [];

    public static Failure Validation(Dictionary<string, string[]> errors) => new(FailureKind.Validation, "The request is not valid.", errors);
    public static Failure Validation(string path, string message) => Validation(new Dictionary<string, string[]> { [path] = [message] });
    public static Failure NotFound(string what) => new(FailureKind.NotFound, $"{what} was not found.", None);
    public static Failure Conflict(string detail) => new(FailureKind.Conflict, detail, None);
    public static Failure Unprocessable(string code, string title, string detail, Dictionary<string, string[]> errors) =>
        new(FailureKind.Unprocessable, detail, errors, code, title);

    /// <summary>The messages for one member (a JSON path like <c>$.url</c>, or its children like <c>$.eventTypes[0]</c>).</summary>
    public IEnumerable<string> For(string path) =>
        Errors.Where(e => e.Key == path || e.Key.StartsWith(path + "[") || e.Key.StartsWith(path + ".")).SelectMany(e => e.Value);

    /// <summary>Everything wrong, in one readable line.</summary>
    public string Message => Errors.Count == 0 ? Detail : string.Join(" ", Errors.SelectMany(e => e.Value));
}

/// <summary>What a service did: the value it made, or the failure that stopped it.</summary>
public readonly record struct Outcome<T>(T? Value, Failure? Failure) where T : class
{
    public static implicit operator Outcome<T>(T value) => new(value, null);
    public static implicit operator Outcome<T>(Failure failure) => new(null, failure);
}
