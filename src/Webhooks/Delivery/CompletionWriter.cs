using System.Threading.Channels;
using Microsoft.Extensions.Options;
using Npgsql;
using Webhooks.Common;
using Webhooks.Observability;

namespace Webhooks.Delivery;

/// <summary>
/// Writes results back in batches: whatever finished while the previous batch was being written goes
/// in the next one, so many attempts cost one round trip. A batch that cannot be written (the database
/// is away) is retried; a delivery counts as done for this worker only once its result is saved.
/// </summary>
public sealed class CompletionWriter(
    DeliveryQueue queue, SubscriptionDisabler disabler, IOptionsMonitor<DeliveryOptions> options, WebhooksMetrics metrics,
    ILogger<CompletionWriter> logger)
{
    private const int MaxBatch = 1000;
    private readonly Channel<Completion> _pending = Channel.CreateUnbounded<Completion>(new() { SingleReader = true });

    public void Add(Completion completion) => _pending.Writer.TryWrite(completion);

    /// <summary>Writes until <see cref="Complete"/> and everything added before it is written, or <paramref name="abandon"/> fires.</summary>
    public async Task RunAsync(Action<Completion> written, CancellationToken abandon)
    {
        var batch = new List<Completion>(MaxBatch);
        try
        {
            while (await _pending.Reader.WaitToReadAsync(abandon))
            {
                while (batch.Count < MaxBatch && _pending.Reader.TryRead(out var completion)) batch.Add(completion);
                await WriteAsync(batch, abandon);
                foreach (var completion in batch) written(completion);
                batch.Clear();
            }
        }
        catch (OperationCanceledException) when (abandon.IsCancellationRequested)
        {
            if (batch.Count > 0) logger.LogWarning("Stopped with {Count} results unsaved; their leases will expire and they will be retried", batch.Count);
        }
    }

    public void Complete() => _pending.Writer.TryComplete();

    private async Task WriteAsync(List<Completion> batch, CancellationToken abandon)
    {
        for (var failures = 0; ; failures++)
        {
            try
            {
                var toDisable = await queue.CompleteAsync(batch, options.CurrentValue.DisableAfter, abandon);
                Count(batch);
                foreach (var (subscription, reason) in toDisable)
                    await disabler.DisableAsync(subscription, reason, abandon);
                return;
            }
            catch (Exception e) when (!abandon.IsCancellationRequested && (DatabaseUnavailableHandler.IsDatabaseUnavailable(e) || e is NpgsqlException { IsTransient: true } || e is PostgresException { SqlState: "40P01" or "40001" }))
            {
                if (failures % 10 == 0) logger.LogWarning("Saving {Count} delivery results failed ({Message}); retrying", batch.Count, e.GetBaseException().Message);
                await Task.Delay(TimeSpan.FromMilliseconds(Math.Min(5000, 100 * (1 << Math.Min(failures, 6)))), abandon);
            }
            catch (Exception e) when (!abandon.IsCancellationRequested)
            {
                // Not a passing outage: drop the batch. The leases run out and the deliveries are tried again.
                logger.LogError(e, "Saving {Count} delivery results failed; they will be retried when their leases expire", batch.Count);
                return;
            }
        }
    }

    private void Count(List<Completion> batch)
    {
        foreach (var completion in batch)
        {
            var outcome = completion switch
            {
                Attempted { Status: DeliveryStatus.Pending } => "retry",
                Attempted a => a.Status,
                Released { Status: DeliveryStatus.Pending } => "deferred",
                Released r => r.Status,
                _ => "unknown",
            };
            metrics.DeliveriesCompleted.Add(1, new KeyValuePair<string, object?>("outcome", outcome));
        }
    }
}
