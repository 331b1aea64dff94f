namespace Webhooks.Jobs;

/// <summary>
/// One periodic task of the app, run as a Hangfire recurring job with the id <see cref="Name"/> on the schedule
/// <c>Webhooks:Jobs:&lt;Name&gt;:Cron</c>. Register implementations as singletons of this interface; the body stays
/// thin and calls the service that does the work.
/// </summary>
public interface IRecurringWork
{
    string Name { get; }
    string DefaultCron { get; }
    Task RunAsync(CancellationToken cancellationToken);
}
