using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;
using Webhooks.Auth;

namespace Webhooks.Ingest;

/// <summary>A message taken from a queue: its body as received, its content type, and the id the broker or its publisher gave it.</summary>
public sealed record IncomingMessage(byte[] Body, string? ContentType, string? MessageId);

public abstract record MessageOutcome;
/// <summary>Committed (or, <paramref name="Repeated"/>, committed before under the same message id): the message may be acknowledged.</summary>
public sealed record MessageAccepted(Guid EventId, bool Repeated) : MessageOutcome;
/// <summary>Invalid: it will never become an event, for <paramref name="Reason"/>; nothing was stored.</summary>
public sealed record MessageRejected(string Reason) : MessageOutcome;

/// <summary>
/// Ingest for messages that come from elsewhere than the HTTP API (the queue sources): the one entry point that takes a body
/// and its content type. A body is the same JSON as <c>POST /api/v1/events</c>, checked by the same <see cref="EventIntake"/> and
/// committed by the same group-commit <see cref="EventWriter"/>; the message id is its idempotency key, scoped to the source,
/// so a message delivered again after a crash is the same event. When the database cannot be reached this throws, and the
/// caller leaves the messages on their queue.
/// </summary>
public sealed class MessageIngest(EventIntake intake, EventWriter writer, IOptions<IngestOptions> options)
{
    private const int MaxMessageId = 255;

    /// <summary>Checks and commits the messages of one batch together; one outcome per message, in order.</summary>
    public async Task<MessageOutcome[]> IngestAsync(Caller source, IReadOnlyList<IncomingMessage> messages, CancellationToken cancellationToken)
    {
        var outcomes = new MessageOutcome[messages.Count];
        var accepted = new List<(int Index, NewEvent Event)>(messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            var (newEvent, reason) = await CheckAsync(source, messages[i], cancellationToken);
            if (reason is not null) outcomes[i] = new MessageRejected(reason);
            else accepted.Add((i, newEvent!));
        }
        if (accepted.Count == 0) return outcomes;
        var written = await writer.WriteAsync(accepted.Select(a => a.Event).ToList(), cancellationToken);
        for (var i = 0; i < accepted.Count; i++)
            outcomes[accepted[i].Index] = written[i] switch
            {
                Written w => new MessageAccepted(w.Id, Repeated: false),
                Repeated r => new MessageAccepted(r.Id, Repeated: true),
                _ => new MessageRejected($"conflict: the message id '{accepted[i].Event.IdempotencyKey}' was used before with a different body."),
            };
        return outcomes;
    }

    /// <summary>The caller a source ingests as: its idempotency keys (message ids) are its own, apart from every API key's and other sources'.</summary>
    public static Caller SourceCaller(string kind, string name)
    {
        var scope = SHA256.HashData(Encoding.UTF8.GetBytes($"webhooks source {kind}:{name}"))[..16];
        return new Caller($"{kind} source '{name}'", IsAdmin: false, CanIngest: true, PartnerId: null, ApiKeyId: new Guid(scope));
    }

    private async Task<(NewEvent?, string?)> CheckAsync(Caller source, IncomingMessage message, CancellationToken cancellationToken)
    {
        if (message.Body.Length > options.Value.MaxBodyBytes)
            return (null, $"body-too-large: the body has {message.Body.Length} bytes; at most {options.Value.MaxBodyBytes} are accepted.");
        var mediaType = MediaType(message.ContentType);
        // CloudEvents (application/cloudevents+json) are read here once ingest understands them; until then they are refused like any other type.
        if (mediaType is not (null or "application/json" or "text/json"))
            return (null, $"unsupported-content-type: '{message.ContentType}' is not accepted; a message body is the JSON of POST /api/v1/events (application/json).");
        var messageId = message.MessageId is { Length: > 0 } id ? id : null;
        if (messageId is not null && (messageId.Length > MaxMessageId || messageId.Any(c => c is < ' ' or > '~')))
            return (null, $"invalid-message-id: a message id, the idempotency key, has 1 to {MaxMessageId} printable ASCII characters.");
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(message.Body, new JsonDocumentOptions { MaxDepth = RequestBody.MaxDepth });
        }
        catch (JsonException e)
        {
            return (null, $"malformed-json: {e.Message}");
        }
        using (document)
        {
            var (newEvent, problem) = await intake.CheckAsync(document.RootElement, source, messageId,
                messageId is null ? null : SHA256.HashData(message.Body), cancellationToken);
            return problem is null ? (newEvent, null) : (null, Describe(problem));
        }
    }

    private static string? MediaType(string? contentType) =>
        string.IsNullOrWhiteSpace(contentType) ? null
        : MediaTypeHeaderValue.TryParse(contentType, out var parsed) ? parsed.MediaType?.ToLowerInvariant() : contentType.Trim().ToLowerInvariant();

    /// <summary>The problem as one line: its code, what it says, and each failing path.</summary>
    private static string Describe(ProblemDetails problem)
    {
        var code = problem.Type?.Split(':')[^1];
        var text = new StringBuilder($"{code}: {problem.Title}");
        if (problem.Detail is { Length: > 0 } detail) text.Append(' ').Append(detail);
        if (problem is HttpValidationProblemDetails { Errors.Count: > 0 } validation)
            text.Append(' ').AppendJoin("; ", validation.Errors.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}"));
        return text.ToString();
    }
}
