using System.Linq.Expressions;
using System.Text.Json;
using Hangfire;
using Hangfire.States;
using Microsoft.EntityFrameworkCore;
using Webhooks.Auth;
using Webhooks.Data;

namespace Webhooks.Jobs;

/// <summary>
/// Long admin work as Hangfire jobs with a row of their own (admin_jobs) for progress. A request schedules the job
/// to start by itself a while later (on Hangfire's own connection, committed at once), adds the row inside its own
/// transaction beside its audit entry and, once that is committed, starts the job at once. So a committed row always
/// has a job that runs, even when the app dies right after the commit; a request that rolled back leaves a job that
/// finds no row and ends as failed after its retries. The job moves its row on in the same transaction as each
/// batch it does, so after a crash Hangfire runs it again and it goes on from where the last commit left it.
/// </summary>
public sealed class AdminJobs(WebhooksDb db, IBackgroundJobClient client, JobStorage storage, TimeProvider time, ILogger<AdminJobs> logger)
{
    /// <summary>When a job not started by its request (the app died after the commit) starts by itself.</summary>
    public static readonly TimeSpan StartsByItselfAfter = TimeSpan.FromSeconds(30);

    /// <summary>Schedules the job <paramref name="run"/> makes for the new id and adds its row in the current transaction.</summary>
    public async Task<AddedAdminJob> AddAsync<TJob>(string kind, Caller caller, long total, object arguments, Func<Guid, Expression<Func<TJob, Task>>> run,
        CancellationToken cancellationToken = default)
    {
        var id = Guid.CreateVersion7(time.GetUtcNow());
        var json = JsonSerializer.Serialize(arguments, JsonSerializerOptions.Web);
        var hangfireId = client.Schedule(run(id), StartsByItselfAfter);
        await db.Database.ExecuteSqlAsync($"""
            INSERT INTO admin_jobs (id, kind, requested_by, partner_id, arguments, total, hangfire_id)
            VALUES ({id}, {kind}, {caller.Name}, {(caller.IsAdmin ? null : caller.PartnerId)}, {json}::jsonb, {total}, {hangfireId})
            """, cancellationToken);
        return new AddedAdminJob(id, hangfireId);
    }

    /// <summary>
    /// Starts the job now that its row is committed (unless it has already started by itself). The request's work is
    /// committed by then, so a failure here is logged, not answered: the job still starts by itself.
    /// </summary>
    public void Start(AddedAdminJob job)
    {
        try
        {
            client.ChangeState(job.HangfireId, new EnqueuedState(), ScheduledState.StateName);
        }
        catch (BackgroundJobClientException e)
        {
            logger.LogWarning(e, "Admin job {JobId} could not be started at once; it starts by itself within {Delay}", job.Id, StartsByItselfAfter);
        }
    }

    /// <summary>What a run reads of its job; throws when the request that added the job has not committed its row.</summary>
    public async Task<(T Arguments, long Done, Guid? Position)> LoadAsync<T>(Guid id, CancellationToken cancellationToken)
    {
        var row = await db.Database.SqlQuery<AdminJobRow>($"""
            SELECT arguments::text AS "Arguments", done AS "Done", position AS "Position" FROM admin_jobs WHERE id = {id}
            """).FirstOrDefaultAsync(cancellationToken)
            ?? throw new InvalidOperationException($"Admin job {id} has no row: the request that added it has not committed, or it rolled back.");
        return (JsonSerializer.Deserialize<T>(row.Arguments, JsonSerializerOptions.Web)!, row.Done, row.Position);
    }

    /// <summary>Records a batch done, in the transaction that did it.</summary>
    public Task AdvanceAsync(Guid id, long done, Guid? position, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync($"UPDATE admin_jobs SET done = done + {done}, position = coalesce({position}, position) WHERE id = {id}", cancellationToken);

    public Task FinishAsync(Guid id, CancellationToken cancellationToken) =>
        db.Database.ExecuteSqlAsync($"UPDATE admin_jobs SET finished_at = now() WHERE id = {id} AND finished_at IS NULL", cancellationToken);

    /// <summary>The job as the caller may see it: admins see every job, a partner's caller the jobs its partner started.</summary>
    public async Task<AdminJobResponse?> FindAsync(Guid id, Caller caller, CancellationToken cancellationToken = default)
    {
        var row = await db.Database.SqlQuery<Status>($"""
            SELECT id AS "Id", kind AS "Kind", partner_id AS "PartnerId", hangfire_id AS "HangfireId", done AS "Done", total AS "Total",
                   created_at AS "CreatedAt", finished_at AS "FinishedAt"
            FROM admin_jobs WHERE id = {id}
            """).FirstOrDefaultAsync(cancellationToken);
        if (row is null || !(caller.IsAdmin || (row.PartnerId is { } p && p == caller.PartnerId))) return null;
        var (state, error) = HangfireState(row);
        return new AdminJobResponse(row.Id, row.Kind, state, new AdminJobProgress(row.Done, row.Total), row.CreatedAt,
            state is AdminJobState.Succeeded or AdminJobState.Failed ? row.FinishedAt : null, error);
    }

    /// <summary>
    /// Hangfire's state of the job (its state names) is the truth of where it is. A run that failed and waits for its
    /// automatic retry counts as enqueued, with the failure as its error, so a job that keeps failing does not look merely slow.
    /// </summary>
    private (string State, string? Error) HangfireState(Status row)
    {
        if (row.HangfireId is null) return (AdminJobState.Enqueued, null);
        using var connection = storage.GetConnection();
        var state = connection.GetStateData(row.HangfireId);
        return state?.Name switch
        {
            "Processing" => (AdminJobState.Processing, null),
            "Succeeded" => (AdminJobState.Succeeded, null),
            "Failed" => (AdminJobState.Failed, state.Data.TryGetValue("ExceptionMessage", out var message) ? message : state.Reason),
            "Deleted" => (AdminJobState.Failed, "The job was deleted before it finished."),
            "Scheduled" => (AdminJobState.Enqueued, state.Reason),
            _ => (AdminJobState.Enqueued, null),
        };
    }

    private sealed class Status
    {
        public Guid Id { get; init; }
        public required string Kind { get; init; }
        public Guid? PartnerId { get; init; }
        public string? HangfireId { get; init; }
        public long Done { get; init; }
        public long Total { get; init; }
        public DateTimeOffset CreatedAt { get; init; }
        public DateTimeOffset? FinishedAt { get; init; }
    }
}
