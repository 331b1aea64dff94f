using Microsoft.Extensions.Options;
using Npgsql;

namespace Webhooks.Observability;

/// <summary>
/// Reads the database-wide gauges every Webhooks:Telemetry:SampleInterval while metrics are exported: dead
/// letters, failing endpoints (the worst few by name, so the number of series stays bounded whatever the
/// number of subscriptions) and, when a job scheduler registers <see cref="IJobCounts"/>, jobs by state.
/// </summary>
internal sealed class DatabaseGauges(
    NpgsqlDataSource dataSource, WebhooksMetrics metrics, IOptions<TelemetryOptions> options, IServiceProvider services,
    ILogger<DatabaseGauges> logger) : BackgroundService
{
    private const string Counts = """
        SELECT (SELECT count(*) FROM deliveries WHERE status = 'dead'),
               (SELECT count(*) FROM subscriptions WHERE deleted_at IS NULL AND enabled AND failure_streak > 0)
        """;

    private const string WorstEndpoints = """
        SELECT id, partner_id, failure_streak, coalesce(extract(epoch FROM now() - failing_since), 0)::float8
        FROM subscriptions
        WHERE deleted_at IS NULL AND enabled AND failure_streak > 0
        ORDER BY failure_streak DESC, failing_since, id
        LIMIT $1
        """;

    protected override async Task ExecuteAsync(CancellationToken stopping)
    {
        var failing = false;
        using var timer = new PeriodicTimer(options.Value.SampleInterval);
        try
        {
            do
            {
                try
                {
                    metrics.ObserveDatabase(await SampleAsync(stopping));
                    failing = false;
                }
                catch (Exception e) when (!stopping.IsCancellationRequested)
                {
                    // Once per outage: the gauges keep their last values meanwhile.
                    if (!failing) logger.LogWarning("Reading the database-wide metrics failed ({Message}); trying again every {Interval}", e.GetBaseException().Message, options.Value.SampleInterval);
                    failing = true;
                }
            } while (await timer.WaitForNextTickAsync(stopping));
        }
        catch (OperationCanceledException) when (stopping.IsCancellationRequested) { }
    }

    private async Task<DatabaseSample> SampleAsync(CancellationToken cancellationToken)
    {
        await using var connection = await dataSource.OpenConnectionAsync(cancellationToken);
        long dead, failingEndpoints;
        await using (var counts = new NpgsqlCommand(Counts, connection))
        await using (var reader = await counts.ExecuteReaderAsync(cancellationToken))
        {
            await reader.ReadAsync(cancellationToken);
            (dead, failingEndpoints) = (reader.GetInt64(0), reader.GetInt64(1));
        }
        var worst = new List<FailingEndpoint>();
        if (options.Value.FailingEndpoints > 0 && failingEndpoints > 0)
        {
            await using var command = new NpgsqlCommand(WorstEndpoints, connection) { Parameters = { new() { Value = options.Value.FailingEndpoints } } };
            await using var reader = await command.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
                worst.Add(new FailingEndpoint(reader.GetGuid(0), reader.GetGuid(1), reader.GetInt32(2), reader.GetDouble(3)));
        }
        var jobs = services.GetService<IJobCounts>() is { } jobCounts ? await jobCounts.CountByStateAsync(cancellationToken) : null;
        return new DatabaseSample(dead, failingEndpoints, worst, jobs);
    }
}
