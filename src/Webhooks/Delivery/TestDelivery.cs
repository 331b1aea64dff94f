using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Webhooks.Auth;
using Webhooks.Data;
using Webhooks.Security;
using Webhooks.Subscriptions;

namespace Webhooks.Delivery;

public sealed record TestDeliveryResult(Guid DeliveryId, Guid EventId, string EventType, AttemptResponse Attempt);

/// <summary>
/// Sends an event type's example to one subscription now, as a real event and delivery (so the attempt
/// is recorded and visible like any other), without retries: it ends succeeded or dead. Test sends honour
/// the subscription's rate limit (the same send slots as its deliveries) and a limit per partner.
/// </summary>
public sealed class TestDelivery(
    WebhooksDb db, NpgsqlDataSource dataSource, DeliverySender sender, SecretCache secrets, DeliveryQueue queue,
    SubscriptionDisabler disabler, TestSendThrottle throttle, IOptionsMonitor<DeliveryOptions> options, IOptionsMonitor<WorkerOptions> workers)
{
    /// <summary>The longest a test send waits for its slot under the subscription's rate limit; beyond it, it is refused.</summary>
    private static readonly TimeSpan SlotHorizon = TimeSpan.FromSeconds(1);

    public sealed record Problem(int Status, string Message, TimeSpan? RetryAfter = null);

    /// <summary>
    /// The result, or a problem: 404 when the subscription is not the caller's, 429 when a rate limit says
    /// not now, 422 when there is no example to send.
    /// </summary>
    public async Task<(TestDeliveryResult? Result, Problem? Problem)> SendAsync(Guid subscriptionId, string? eventType, Caller caller, CancellationToken cancellationToken)
    {
        var subscription = await SubscriptionService.Find(db, subscriptionId, caller, tracked: false);
        if (subscription is null) return (null, new(404, "The subscription was not found."));
        if (subscription.VerifyOwnership && subscription.VerifiedAt is null)
            return (null, new(409, "The endpoint has not passed the ownership handshake yet, so nothing is sent to it: verify it first."));
        if (throttle.Take(subscription.PartnerId) is { } wait)
            return (null, new(429, "Too many test sends to this partner's endpoints; try again in a moment.", wait));
        var candidates = db.EventTypes.AsNoTracking().Where(t => t.ArchivedAt == null)
            .Select(t => new { t.Name, Example = t.Versions.Where(v => v.Version == t.CurrentVersion).Select(v => v.Example).FirstOrDefault() });
        var filters = subscription.EventTypes;
        var types = eventType is null
            ? await candidates.Where(t => t.Example != null).OrderBy(t => t.Name).Take(500).ToListAsync(cancellationToken)
            : await candidates.Where(t => t.Name == eventType).ToListAsync(cancellationToken);
        var chosen = types.FirstOrDefault(t => Matches(filters, t.Name));
        if (chosen is null)
            return (null, new(422, eventType is null
                ? "No registered event type with an example matches this subscription's filters."
                : $"'{eventType}' is not a registered event type that this subscription's filters match."));
        if (chosen.Example is null) return (null, new(422, $"The event type '{chosen.Name}' has no example to send."));

        if (subscription.RatePerMinute is { } rate)
        {
            var slots = await queue.ReserveSlotsAsync([(subscription.Id, 1, rate)], SlotHorizon, cancellationToken);
            if (!slots.TryGetValue(subscription.Id, out var start))
                return (null, new(429, $"This subscription's rate limit ({(rate % 60 == 0 ? $"{rate / 60} a second" : $"{rate} a minute")}) is taken by the deliveries to it; try again in a moment.", SlotHorizon));
            if (start > TimeSpan.Zero) await Task.Delay(start, cancellationToken);
        }

        var delivery = await CreateAsync(subscription, chosen.Name, chosen.Example, cancellationToken);
        var attempt = (await sender.SendAsync(delivery, secrets.Unprotect(delivery.ProtectedSecrets), cancellationToken, throughBreaker: false))!;
        var status = attempt.Succeeded ? DeliveryStatus.Succeeded : DeliveryStatus.Dead;
        foreach (var (id, reason) in await queue.CompleteAsync([new Attempted(delivery, attempt, status, TimeSpan.Zero)], options.CurrentValue.DisableAfter, cancellationToken))
            await disabler.DisableAsync(id, reason, cancellationToken);
        var number = delivery.AttemptCount + 1;
        return (new TestDeliveryResult(delivery.Id, delivery.EventId, chosen.Name, new AttemptResponse(
            number, attempt.At, attempt.StatusCode, attempt.DurationMs, attempt.Error, attempt.ErrorKind,
            System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(attempt.RequestHeaders),
            attempt.ResponseHeaders is null ? null : System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(attempt.ResponseHeaders),
            attempt.ResponseBody)), null);
    }

    private static bool Matches(string[] filters, string type) =>
        filters.Any(f => f == "*" || f == type || (f.EndsWith(".*") && type.StartsWith(f[..^1], StringComparison.Ordinal)));

    /// <summary>The event and its delivery, inserted already held by this request under a lease.</summary>
    private async Task<ClaimedDelivery> CreateAsync(Subscription subscription, string type, string example, CancellationToken cancellationToken)
    {
        var eventId = Guid.CreateVersion7();
        var token = Guid.CreateVersion7();
        await using var command = dataSource.CreateCommand("""
            WITH e AS (
                INSERT INTO events (id, type, partner_id, payload, created_at) VALUES ($1, $2, $3, $4::json, now())
                RETURNING id, created_at, payload::text
            ), d AS (
                -- The id is made in SQL, from the database's clock, so its millisecond is never earlier than its created_at:
                -- delivery filters by time seek by id.
                INSERT INTO deliveries (id, event_id, subscription_id, status, next_attempt_at, lease_until, lease_token, locked_by, created_at, updated_at)
                SELECT uuid_v7(), e.id, $5, 'pending', now(), now() + $6, $7, 'test', now(), now() FROM e
                RETURNING id
            )
            SELECT e.created_at, e.payload,
                ARRAY(SELECT ss.protected_secret FROM subscription_secrets ss
                      WHERE ss.subscription_id = $5 AND (ss.expires_at IS NULL OR ss.expires_at > now()) ORDER BY ss.id DESC),
                d.id
            FROM e, d
            """);
        command.Parameters.Add(new() { Value = eventId });
        command.Parameters.Add(new() { Value = type });
        command.Parameters.Add(new() { Value = subscription.PartnerId });
        command.Parameters.Add(new() { Value = example });
        command.Parameters.Add(new() { Value = subscription.Id });
        command.Parameters.Add(new() { Value = workers.CurrentValue.Lease, NpgsqlDbType = NpgsqlDbType.Interval });
        command.Parameters.Add(new() { Value = token });
        await using var reader = await command.ExecuteReaderAsync(cancellationToken);
        await reader.ReadAsync(cancellationToken);
        return new ClaimedDelivery(reader.GetGuid(3), eventId, subscription.Id, token, 0, 0, type, reader.GetString(1),
            reader.GetFieldValue<DateTimeOffset>(0), subscription.Url, subscription.Enabled, false,
            System.Text.Json.JsonSerializer.Serialize(subscription.Headers), subscription.RatePerMinute, reader.GetFieldValue<string[]>(2))
        {
            Format = subscription.Format == Formats.DeliveryFormats.StandardWebhooks ? null : subscription.Format,
            SendsOrigin = subscription.VerifyOwnership && subscription.VerifiedAt is not null,
            Destination = subscription.Destination,
        };
    }
}
