using Hangfire;
using Hangfire.Common;
using Hangfire.Storage;

namespace Webhooks.Jobs;

/// <summary>
/// At start, on instances that run background work: every <see cref="IRecurringWork"/> becomes (or is updated as) a
/// Hangfire recurring job with its configured cron; a recurring job of this app that no longer exists is removed.
/// Every instance writes the same definitions, so which one starts last does not matter.
/// </summary>
internal sealed class RecurringJobRegistration(
    IRecurringJobManager manager, JobStorage storage, IEnumerable<IRecurringWork> works, IConfiguration configuration) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        var names = works.Select(w => w.Name).ToHashSet();
        foreach (var work in works)
            manager.AddOrUpdate(work.Name, Job.FromExpression<RecurringWorkRunner>(r => r.RunAsync(work.Name, CancellationToken.None)),
                JobsOptions.Cron(configuration, work), new RecurringJobOptions { TimeZone = TimeZoneInfo.Utc });
        using var connection = storage.GetConnection();
        foreach (var stale in connection.GetRecurringJobs().Where(j => !names.Contains(j.Id)))
            manager.RemoveIfExists(stale.Id);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
