using System.Diagnostics.Metrics;
using Webhooks.Auth;
using Webhooks.Ingest;
using Webhooks.Observability;

namespace Webhooks.Sources;

/// <summary>Waits between reconnects: 1 s doubling to 30 s, with jitter; back to 1 s once connected.</summary>
internal sealed class Backoff
{
    private static readonly TimeSpan First = TimeSpan.FromSeconds(1), Longest = TimeSpan.FromSeconds(30);

    public TimeSpan Next { get; private set; } = First;

    public void Reset() => Next = First;

    public async Task WaitAsync(CancellationToken stopping)
    {
        var delay = Delivery.RetryPolicy.WithJitter(Next);
        Next = Next * 2 > Longest ? Longest : Next * 2;
        try { await Task.Delay(delay, stopping); }
        catch (OperationCanceledException) { }
    }
}

internal static class SourceRetry
{
    /// <summary>
    /// Commits a batch, trying again while the database is away and <paramref name="keepTrying"/> says the messages are still held;
    /// null when they are not (they go back to the queue and come again).
    /// </summary>
    public static async Task<MessageOutcome[]?> IngestAsync(
        MessageIngest ingest, Caller caller, List<IncomingMessage> messages, Func<bool> keepTrying, ILogger logger, string source)
    {
        for (var failures = 0; ; failures++)
        {
            try
            {
                return await ingest.IngestAsync(caller, messages, CancellationToken.None);
            }
            catch (Exception e)
            {
                if (failures % 10 == 0)
                    logger.LogWarning("Source {Source} could not commit {Count} messages ({Message}); they stay on the queue and are tried again",
                        source, messages.Count, e.GetBaseException().Message);
                if (!keepTrying()) return null;
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 200 << Math.Min(failures, 5))));
                if (!keepTrying()) return null;
            }
        }
    }
}

/// <summary>Source messages by outcome: accepted, repeated (committed before under the same message id) or rejected.</summary>
public sealed class SourceMetrics(IMeterFactory meters)
{
    private readonly Counter<long> _messages = meters.Create(WebhooksMetrics.Name)
        .CreateCounter<long>("webhooks.source.messages", "{message}", "Messages taken from queue sources, by source and outcome.");

    public void Count(string kind, string source, MessageOutcome outcome) => _messages.Add(1,
        new KeyValuePair<string, object?>("source", $"{kind}:{source}"),
        new KeyValuePair<string, object?>("outcome", outcome switch
        {
            MessageAccepted { Repeated: true } => "repeated",
            MessageAccepted => "accepted",
            _ => "rejected",
        }));
}
