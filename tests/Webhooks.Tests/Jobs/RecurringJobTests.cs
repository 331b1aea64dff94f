using Hangfire;
using Hangfire.Storage;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;
using Webhooks.Jobs;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Jobs;

/// <summary>Recurring jobs on Hangfire over real PostgreSQL: a failing one is retried and shows failed; two instances never run one at once.</summary>
public sealed class RecurringJobTests
{
    /// <summary>A job that always throws.</summary>
    private sealed class Failing : IRecurringWork
    {
        public string Name => "AlwaysFails";
        public string DefaultCron => Cron.Never();
        public Task RunAsync(CancellationToken cancellationToken) => throw new InvalidOperationException("the test's job fails on purpose");
    }

    /// <summary>A slow job that records how many of its runs overlap, across every instance of the test.</summary>
    private sealed class Slow(Slow.Record record) : IRecurringWork
    {
        public sealed class Record
        {
            public int Running, MostAtOnce, Runs;
        }

        public string Name => "Slow";
        public string DefaultCron => Cron.Never();

        public async Task RunAsync(CancellationToken cancellationToken)
        {
            var now = Interlocked.Increment(ref record.Running);
            lock (record) record.MostAtOnce = Math.Max(record.MostAtOnce, now);
            await Task.Delay(TimeSpan.FromSeconds(2), cancellationToken);
            Interlocked.Decrement(ref record.Running);
            Interlocked.Increment(ref record.Runs);
        }
    }

    private sealed class App : WebhooksApp
    {
        private readonly Slow.Record? _record;

        public App(string? connectionString = null, Slow.Record? record = null)
        {
            ConnectionString = connectionString ?? "";
            _record = record;
        }

        protected override Dictionary<string, string?> Settings => new(base.Settings) { ["Webhooks:Workers:Enabled"] = "true" };

        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.ConfigureTestServices(services =>
            {
                services.AddSingleton<IRecurringWork, Failing>();
                services.AddSingleton(_record ?? new Slow.Record());
                services.AddSingleton<IRecurringWork, Slow>();
            });
        }
    }

    [Fact]
    public async Task A_recurring_job_that_throws_is_retried_and_then_shows_as_failed()
    {
        await using var app = new App();
        await app.InitializeAsync();
        var storage = app.Services.GetRequiredService<JobStorage>();

        app.Services.GetRequiredService<IRecurringJobManager>().Trigger("AlwaysFails");

        string? jobId = null;
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while (DateTime.UtcNow < deadline)
        {
            using var connection = storage.GetConnection();
            jobId = connection.GetRecurringJobs(["AlwaysFails"]).Single().LastJobId;
            if (jobId is not null && connection.GetStateData(jobId)?.Name == "Failed") break;
            await Task.Delay(500);
        }
        Assert.NotNull(jobId);
        var details = storage.GetMonitoringApi().JobDetails(jobId);
        Assert.Equal("Failed", details.History[0].StateName);
        Assert.Contains("the test's job fails on purpose", details.History[0].Data["ExceptionMessage"]);
        // Two retries before it gave up, each after a failure.
        Assert.Equal(2, details.History.Count(h => h.StateName == "Scheduled" && h.Reason?.StartsWith("Retry attempt") == true));
        var counts = await app.Services.GetRequiredService<Webhooks.Observability.IJobCounts>().CountByStateAsync(CancellationToken.None);
        Assert.True(counts["failed"] >= 1);
    }

    [Fact]
    public async Task Two_instances_never_run_the_same_recurring_job_at_once()
    {
        var record = new Slow.Record();
        await using var one = new App(record: record);
        await one.InitializeAsync();
        await using var two = new App(one.ConnectionString, record);
        await two.InitializeAsync();

        // Six runs asked for at once, from both instances: each instance's workers fetch some.
        for (var i = 0; i < 3; i++)
        {
            one.Services.GetRequiredService<IRecurringJobManager>().Trigger("Slow");
            two.Services.GetRequiredService<IRecurringJobManager>().Trigger("Slow");
        }
        var storage = one.Services.GetRequiredService<JobStorage>();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (DateTime.UtcNow < deadline && (storage.GetMonitoringApi().GetStatistics() is { Enqueued: > 0 } or { Processing: > 0 } || record.Runs == 0))
            await Task.Delay(200);

        Assert.True(record.Runs >= 1, "no run happened");
        Assert.Equal(1, record.MostAtOnce);
    }
}
