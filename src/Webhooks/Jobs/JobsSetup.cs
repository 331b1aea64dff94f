using Hangfire;
using Hangfire.AspNetCore;
using Microsoft.Extensions.Options;
using Npgsql;
using Webhooks.Data;
using Webhooks.Observability;

namespace Webhooks.Jobs;

/// <summary>
/// Background work on Hangfire (everything but the delivery attempts, which have their own queue). Every instance
/// can enqueue; only instances with Webhooks:Workers:Enabled run a Hangfire server and schedule the recurring jobs.
/// The storage, the job activator and the clients come from this app's own services, never from Hangfire's static
/// defaults, so several apps in one process (the tests) each keep their own database.
/// </summary>
public static class JobsSetup
{
    public const string DashboardPath = "/hangfire";

    public static void AddJobs(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<JobsOptions>().BindConfiguration(JobsOptions.Section).ValidateOnStart();
        builder.Services.AddSingleton<IValidateOptions<JobsOptions>, JobsOptionsValidator>();
        builder.Services.AddSingleton<RecurringWorkRunner>();
        builder.Services.AddScoped<AdminJobs>();
        builder.Services.AddSingleton<JobStorage>(sp => HangfireStorage.Create(sp.GetRequiredKeyedService<NpgsqlDataSource>(DatabaseSetup.JobsDataSource)));
        builder.Services.AddSingleton<JobActivator>(sp => new AspNetCoreJobActivator(sp.GetRequiredService<IServiceScopeFactory>()));
        builder.Services.AddHangfire((services, c) => c
            .UseLogProvider(new HangfireLogging(services.GetRequiredService<ILoggerFactory>()))
            .SetDataCompatibilityLevel(CompatibilityLevel.Version_180)
            .UseSimpleAssemblyNameTypeSerializer()
            .UseRecommendedSerializerSettings());
        builder.Services.AddSingleton<IJobCounts, HangfireJobCounts>();

        if (!builder.Configuration.GetValue("Webhooks:Workers:Enabled", true)) return;
        builder.Services.AddHostedService<RecurringJobRegistration>();
        builder.Services.AddHangfireServer((services, o) =>
        {
            o.WorkerCount = services.GetRequiredService<IOptions<JobsOptions>>().Value.Workers;
            // Delayed jobs (retries of a failed run) and recurring jobs are looked for this often.
            o.SchedulePollingInterval = TimeSpan.FromSeconds(5);
            o.HeartbeatInterval = TimeSpan.FromSeconds(10);
            o.ServerCheckInterval = TimeSpan.FromSeconds(30);
            o.ServerTimeout = TimeSpan.FromMinutes(1);
        });
    }

    /// <summary>The dashboard at /hangfire: signed-in admins only, read-only when Webhooks:Jobs:DashboardReadOnly.</summary>
    public static void MapJobsDashboard(this WebApplication app)
    {
        var options = app.Services.GetRequiredService<IOptions<JobsOptions>>().Value;
        app.UseWhen(c => c.Request.Path.StartsWithSegments(DashboardPath), b => b.Use(DashboardAccess.AdminsOnly));
        app.MapHangfireDashboard(DashboardPath, new DashboardOptions
        {
            AppPath = "/",
            DashboardTitle = "Webhooks · background jobs",
            Authorization = [new DashboardAccess()],
            IsReadOnlyFunc = _ => options.DashboardReadOnly,
            DisplayStorageConnectionString = false,
        }, app.Services.GetRequiredService<JobStorage>());
    }
}
