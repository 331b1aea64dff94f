using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using Webhooks.Auth;
using Webhooks.Delivery.Destinations;
using Webhooks.Ingest;

namespace Webhooks.Sources;

/// <summary>
/// Consumes one SQS queue as ingest with a few long-polling receive loops (up to 10 messages each per call, committed together
/// with whatever else is being ingested). A message is deleted only after its event is committed (or found committed before
/// under its SQS message id, as after a crash between commit and delete). An invalid message is not deleted: it becomes visible
/// again, so the queue's redrive policy moves it to the dead-letter queue after maxReceiveCount receives; the reason is logged.
/// </summary>
public sealed class SqsSource(string name, SqsSourceOptions options, MessageIngest ingest, SourceMetrics metrics, ILogger logger) : IDisposable
{
    /// <summary>An invalid message comes back at once the first time (so the redrive policy sees it again soon), then later each time.</summary>
    private static readonly TimeSpan InvalidRetryStep = TimeSpan.FromSeconds(10);

    private readonly Caller _caller = MessageIngest.SourceCaller("sqs", name);
    private readonly AmazonSQSClient _client = SqsClients.Create(options.Region, options.ServiceUrl.Length > 0 ? options.ServiceUrl : null,
        options.AccessKeyId.Length > 0 ? new BasicAWSCredentials(options.AccessKeyId, options.SecretAccessKey) : null);

    public async Task RunAsync(CancellationToken stopping)
    {
        logger.LogInformation("SQS source {Source} consumes {QueueUrl} with {Receivers} receivers", name, options.QueueUrl, options.Receivers);
        await Task.WhenAll(Enumerable.Range(0, options.Receivers).Select(_ => Task.Run(() => ReceiveLoopAsync(stopping), CancellationToken.None)));
        logger.LogInformation("SQS source {Source} stopped", name);
    }

    private async Task ReceiveLoopAsync(CancellationToken stopping)
    {
        var backoff = new Backoff();
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                var received = await _client.ReceiveMessageAsync(new ReceiveMessageRequest
                {
                    QueueUrl = options.QueueUrl,
                    MaxNumberOfMessages = 10,
                    WaitTimeSeconds = options.WaitTimeSeconds,
                    MessageAttributeNames = ["All"],
                    MessageSystemAttributeNames = ["ApproximateReceiveCount"],
                }, stopping);
                backoff.Reset();
                if (received.Messages is { Count: > 0 } messages) await ProcessAsync(messages, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested) { }
            catch (Exception e)
            {
                logger.LogWarning("SQS source {Source}: {Message}; receiving again in {Delay}", name, e.GetBaseException().Message, backoff.Next);
                await backoff.WaitAsync(stopping);
            }
        }
    }

    private async Task ProcessAsync(List<Message> messages, CancellationToken stopping)
    {
        var incoming = messages.Select(m => new IncomingMessage(System.Text.Encoding.UTF8.GetBytes(m.Body), ContentType(m), m.MessageId)).ToList();
        // The messages stay invisible to other receivers for the queue's visibility timeout; past it they come again, and their
        // message ids make the second commit a repeat. Stopping does not cut a commit short.
        var outcomes = await SourceRetry.IngestAsync(ingest, _caller, incoming, () => !stopping.IsCancellationRequested, logger, name);
        if (outcomes is null) return;
        var done = new List<DeleteMessageBatchRequestEntry>(messages.Count);
        for (var i = 0; i < messages.Count; i++)
        {
            metrics.Count("sqs", name, outcomes[i]);
            if (outcomes[i] is MessageRejected rejected)
            {
                var receives = messages[i].Attributes?.GetValueOrDefault("ApproximateReceiveCount") is { } count && int.TryParse(count, out var n) ? n : 1;
                logger.LogWarning("SQS source {Source} leaves message {MessageId} (received {Receives} times) to the queue's redrive policy: {Reason}",
                    name, messages[i].MessageId, receives, rejected.Reason);
                await ReturnLaterAsync(messages[i], (receives - 1) * InvalidRetryStep);
            }
            else done.Add(new DeleteMessageBatchRequestEntry(i.ToString(), messages[i].ReceiptHandle));
        }
        if (done.Count == 0) return;
        var deleted = await _client.DeleteMessageBatchAsync(new DeleteMessageBatchRequest(options.QueueUrl, done), CancellationToken.None);
        foreach (var failed in deleted.Failed ?? [])
            logger.LogWarning("SQS source {Source} could not delete a committed message ({Code}: {Message}); when it comes again it is a repeat",
                name, failed.Code, failed.Message);
    }

    private async Task ReturnLaterAsync(Message message, TimeSpan delay)
    {
        try
        {
            var seconds = (int)Math.Min(delay.TotalSeconds, TimeSpan.FromHours(12).TotalSeconds - 1);
            await _client.ChangeMessageVisibilityAsync(options.QueueUrl, message.ReceiptHandle, seconds, CancellationToken.None);
        }
        catch (AmazonSQSException e)
        {
            logger.LogWarning("SQS source {Source} could not change the visibility of message {MessageId}: {Message}", name, message.MessageId, e.Message);
        }
    }

    private static string? ContentType(Message message) =>
        message.MessageAttributes?.FirstOrDefault(a => a.Key.Equals("content-type", StringComparison.OrdinalIgnoreCase)).Value?.StringValue;

    public void Dispose() => _client.Dispose();
}
