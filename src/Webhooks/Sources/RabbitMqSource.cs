using System.Threading.Channels;
using RabbitMQ.Client;
using RabbitMQ.Client.Events;
using Webhooks.Auth;
using Webhooks.Ingest;

namespace Webhooks.Sources;

/// <summary>
/// Consumes one RabbitMQ queue as ingest. The broker hands over at most Prefetch unacknowledged messages; everything that
/// arrived while the previous batch was committed goes into the next one. A message is acknowledged only after its event is
/// committed (or found committed before under its message id); an invalid one is dead-lettered with the reason. When the
/// connection is lost the unacknowledged messages go back to the queue and the source reconnects with backoff.
/// </summary>
public sealed class RabbitMqSource(string name, RabbitMqSourceOptions options, MessageIngest ingest, SourceMetrics metrics, ILogger logger)
{
    public const string ReasonHeader = "x-webhooks-rejection";
    public const string SourceHeader = "x-webhooks-source";

    private readonly Caller _caller = MessageIngest.SourceCaller("rabbitmq", name);

    public async Task RunAsync(CancellationToken stopping)
    {
        var backoff = new Backoff();
        while (!stopping.IsCancellationRequested)
        {
            try
            {
                await ConsumeAsync(backoff, stopping);
            }
            catch (OperationCanceledException) when (stopping.IsCancellationRequested) { break; }
            catch (Exception e)
            {
                logger.LogWarning("RabbitMQ source {Source}: {Message}; connecting again in {Delay}", name, e.GetBaseException().Message, backoff.Next);
            }
            await backoff.WaitAsync(stopping);
        }
    }

    private async Task ConsumeAsync(Backoff backoff, CancellationToken stopping)
    {
        var factory = new ConnectionFactory
        {
            Uri = new Uri(options.Connection),
            AutomaticRecoveryEnabled = false,
            TopologyRecoveryEnabled = false,
            ClientProvidedName = $"webhooks source {name}",
        };
        await using var connection = await factory.CreateConnectionAsync(stopping);
        // Confirms for the messages it dead-letters: one is acknowledged only once its copy is safe.
        await using var channel = await connection.CreateChannelAsync(
            new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true), stopping);
        await channel.QueueDeclarePassiveAsync(options.Queue, stopping);
        await channel.BasicQosAsync(0, (ushort)options.Prefetch, global: false, stopping);

        var inbox = Channel.CreateUnbounded<Received>(new UnboundedChannelOptions { SingleReader = true });
        var consumer = new AsyncEventingBasicConsumer(channel);
        // The body is only valid during the callback: it is copied.
        consumer.ReceivedAsync += (_, e) =>
        {
            inbox.Writer.TryWrite(new Received(e.DeliveryTag, e.RoutingKey, e.BasicProperties, e.Body.ToArray()));
            return Task.CompletedTask;
        };
        consumer.ShutdownAsync += (_, e) =>
        {
            inbox.Writer.TryComplete(new IOException($"the channel closed: {e.ReplyText}"));
            return Task.CompletedTask;
        };
        var consumerTag = await channel.BasicConsumeAsync(options.Queue, autoAck: false, consumer, stopping);
        logger.LogInformation("RabbitMQ source {Source} consumes queue {Queue} (prefetch {Prefetch})", name, options.Queue, options.Prefetch);
        backoff.Reset();

        var batch = new List<Received>(options.Prefetch);
        try
        {
            while (await inbox.Reader.WaitToReadAsync(stopping))
            {
                batch.Clear();
                while (batch.Count < options.Prefetch && inbox.Reader.TryRead(out var message)) batch.Add(message);
                await ProcessAsync(channel, batch, stopping);
            }
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested)
        {
            // Stopping: take nothing more; what is not acknowledged goes back to the queue when the channel closes.
            try { await channel.BasicCancelAsync(consumerTag, noWait: false, CancellationToken.None); } catch (Exception) { }
            await channel.CloseAsync(CancellationToken.None);
            await connection.CloseAsync(CancellationToken.None);
            logger.LogInformation("RabbitMQ source {Source} stopped", name);
        }
    }

    private async Task ProcessAsync(IChannel channel, List<Received> batch, CancellationToken stopping)
    {
        var messages = batch.Select(m => new IncomingMessage(m.Body, m.Properties.ContentType, m.Properties.MessageId)).ToList();
        // Stopping does not cut a commit short: the batch is finished (committed and acknowledged) before the channel closes.
        var outcomes = await SourceRetry.IngestAsync(ingest, _caller, messages, () => channel.IsOpen && !stopping.IsCancellationRequested, logger, name);
        if (outcomes is null) return;
        ulong acknowledgeUpTo = 0;
        for (var i = 0; i < batch.Count; i++)
        {
            metrics.Count("rabbitmq", name, outcomes[i]);
            if (outcomes[i] is MessageRejected rejected)
            {
                logger.LogWarning("RabbitMQ source {Source} dead-letters message {MessageId} (delivery {Tag}): {Reason}",
                    name, batch[i].Properties.MessageId ?? "(no id)", batch[i].Tag, rejected.Reason);
                if (!await DeadLetterAsync(channel, batch[i], rejected.Reason)) continue;
            }
            acknowledgeUpTo = batch[i].Tag;
        }
        // Batches are settled in delivery order, so every earlier tag is settled already, and rejected ones are too:
        // one ack covers the rest of this batch.
        if (acknowledgeUpTo > 0) await channel.BasicAckAsync(acknowledgeUpTo, multiple: true, CancellationToken.None);
    }

    /// <summary>
    /// To the configured dead-letter exchange, with the reason in a header, and then acknowledged (by the batch's ack: answers
    /// true); without one (or when that publish fails), rejected without requeueing, so the queue's own dead-letter exchange takes it.
    /// </summary>
    private async Task<bool> DeadLetterAsync(IChannel channel, Received message, string reason)
    {
        if (options.DeadLetterExchange.Length > 0)
        {
            var properties = new BasicProperties(message.Properties);
            properties.Headers = properties.Headers is null ? new Dictionary<string, object?>() : new Dictionary<string, object?>(properties.Headers);
            properties.Headers[ReasonHeader] = reason;
            properties.Headers[SourceHeader] = name;
            var routingKey = options.DeadLetterRoutingKey.Length > 0 ? options.DeadLetterRoutingKey : message.RoutingKey;
            try
            {
                await channel.BasicPublishAsync(options.DeadLetterExchange, routingKey, mandatory: true, properties, message.Body, CancellationToken.None);
                return true;
            }
            catch (Exception e) when (channel.IsOpen)
            {
                logger.LogError("RabbitMQ source {Source} could not publish to dead-letter exchange {Exchange} ({Message}); rejecting the message instead",
                    name, options.DeadLetterExchange, e.Message);
            }
        }
        await channel.BasicRejectAsync(message.Tag, requeue: false, CancellationToken.None);
        return false;
    }

    private sealed record Received(ulong Tag, string RoutingKey, IReadOnlyBasicProperties Properties, byte[] Body);
}
