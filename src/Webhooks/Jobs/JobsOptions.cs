using Cronos;
using Microsoft.Extensions.Options;

namespace Webhooks.Jobs;

public sealed class JobsOptions
{
    public const string Section = "Webhooks:Jobs";

    /// <summary>Hangfire workers on an instance that runs background work: the jobs are few, short and mostly wait on PostgreSQL.</summary>
    public int Workers { get; set; } = 4;
    public bool DashboardReadOnly { get; set; }

    /// <summary>The cron text of a recurring job: <c>Webhooks:Jobs:&lt;Name&gt;:Cron</c>, or the job's own default.</summary>
    public static string Cron(IConfiguration configuration, IRecurringWork work) =>
        configuration[$"{Section}:{work.Name}:Cron"] is { Length: > 0 } cron ? cron : work.DefaultCron;
}

/// <summary>Checks at start what Hangfire would only find when it schedules: the worker count and every recurring job's cron text.</summary>
internal sealed class JobsOptionsValidator(IConfiguration configuration, IEnumerable<IRecurringWork> works) : IValidateOptions<JobsOptions>
{
    public ValidateOptionsResult Validate(string? name, JobsOptions o)
    {
        var errors = new List<string>();
        if (o.Workers is < 1 or > 64)
            errors.Add($"{JobsOptions.Section}:Workers must be between 1 and 64 (was {o.Workers}).");
        foreach (var work in works)
        {
            var cron = JobsOptions.Cron(configuration, work);
            if (!IsValidCron(cron))
                errors.Add($"{JobsOptions.Section}:{work.Name}:Cron is not a cron expression (was '{cron}'): five fields (minute hour day month weekday), or six with seconds first.");
        }
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Parsed as Hangfire parses it (Cronos): six fields include seconds.</summary>
    private static bool IsValidCron(string cron)
    {
        var format = cron.Split(' ', StringSplitOptions.RemoveEmptyEntries).Length == 6 ? CronFormat.IncludeSeconds : CronFormat.Standard;
        try
        {
            CronExpression.Parse(cron, format);
            return true;
        }
        catch (CronFormatException)
        {
            return false;
        }
    }
}
