using Microsoft.Extensions.Options;
using Npgsql;
using NpgsqlTypes;
using Webhooks.Jobs;

namespace Webhooks.Delivery;

/// <summary>
/// Recurring job FailingSubscriptions: disables subscriptions that have failed for Webhooks:Delivery:DisableAfter.
/// The delivery engine disables one as soon as an attempt's result crosses the line; this finds those whose
/// line passed with no new attempt to notice it (their next retry is hours away, say).
/// </summary>
internal sealed class FailingSubscriptionsJob(NpgsqlDataSource dataSource, SubscriptionDisabler disabler, IOptionsMonitor<DeliveryOptions> options)
    : IRecurringWork
{
    public string Name => "FailingSubscriptions";
    public string DefaultCron => "*/5 * * * *";

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var disableAfter = options.CurrentValue.DisableAfter;
        var due = new List<(Guid Id, DateTimeOffset Since)>();
        await using (var command = dataSource.CreateCommand("""
            SELECT id, failing_since FROM subscriptions
            WHERE deleted_at IS NULL AND enabled AND failing_since <= now() - $1
            """))
        {
            command.Parameters.Add(new() { Value = disableAfter, NpgsqlDbType = NpgsqlDbType.Interval });
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken)) due.Add((reader.GetGuid(0), reader.GetFieldValue<DateTimeOffset>(1)));
        }
        foreach (var (id, since) in due)
            await disabler.DisableAsync(id, $"Every attempt has failed since {since.UtcDateTime:yyyy-MM-dd HH:mm:ss} UTC, longer than {disableAfter}.", cancellationToken);
    }
}
