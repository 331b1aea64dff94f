using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.DependencyInjection;
using Webhooks.DeadLetters;
using Webhooks.Jobs;
using Webhooks.Partners;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Jobs;

/// <summary>Long admin work answers 202 with a job id; GET /api/v1/jobs/{id} follows it to the end.</summary>
public sealed class AdminJobTests(DeliveryApp app) : IClassFixture<DeliveryApp>, IAsyncLifetime
{
    private TestReceiver _receiver = null!;
    private readonly HttpClient _admin = app.Client();
    private static readonly Webhooks.Auth.Caller Admin = new("admin", IsAdmin: true, CanIngest: false, PartnerId: null, ApiKeyId: null);

    public async Task InitializeAsync() => _receiver = await TestReceiver.StartAsync(_ => new Answer());

    public async Task DisposeAsync() => await _receiver.DisposeAsync();

    private async Task<(Guid Partner, Guid Subscription)> Subscribe()
    {
        var partner = await _admin.CreatePartner();
        var created = await _admin.CreateSubscription(partner, _receiver.Url, "*");
        return (partner, Guid.Parse((string)created["id"]!));
    }

    /// <summary>The job as the API shows it once <paramref name="until"/> holds (by default: it succeeded), or at the deadline.</summary>
    private async Task<JsonNode> WaitForJob(HttpClient client, string jobId, Func<JsonNode, bool>? until = null)
    {
        until ??= j => (string)j["state"]! == "succeeded";
        var deadline = DateTime.UtcNow.AddSeconds(90);
        while (true)
        {
            var job = await client.GetAsync($"/api/v1/jobs/{jobId}").Expect(HttpStatusCode.OK);
            if (until(job) || DateTime.UtcNow > deadline) return job;
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task A_bulk_replay_is_a_job_that_reports_its_progress_to_the_end()
    {
        var (_, subscription) = await Subscribe();
        var events = await DeliveryData.InsertEvents(app.ConnectionString, subscription, 25, status: "dead");

        var answer = await _admin.PostAsJsonAsync("/api/v1/deliveries/replay", new { subscriptionId = subscription }).Expect(HttpStatusCode.Accepted);
        Assert.Equal(25, (int)answer["count"]!);
        var jobId = (string)answer["jobId"]!;

        var job = await WaitForJob(_admin, jobId);
        Assert.Equal("succeeded", (string)job["state"]!);
        Assert.Equal("replay", (string)job["kind"]!);
        Assert.Equal(25, (long)job["progress"]!["done"]!);
        Assert.Equal(25, (long)job["progress"]!["total"]!);
        Assert.NotNull(job["finishedAt"]);
        Assert.Null(job["error"]);
        await DeliveryData.WaitUntil(app.ConnectionString, "SELECT count(*) = 25 FROM deliveries WHERE event_id = ANY($1) AND status = 'succeeded'",
            [events], "the replayed deliveries to succeed");
    }

    [Fact]
    public async Task Deleting_a_partner_answers_at_once_and_a_job_discards_its_unsent_deliveries()
    {
        var (partner, subscription) = await Subscribe();
        var paused = await DeliveryData.InsertEvents(app.ConnectionString, subscription, 1500, status: "paused");

        var answer = await _admin.DeleteAsync($"/api/v1/partners/{partner}").Expect(HttpStatusCode.Accepted);
        Assert.Equal(partner.ToString(), (string)answer["partnerId"]!);
        await _admin.GetAsync($"/api/v1/partners/{partner}").Expect(HttpStatusCode.NotFound);

        var job = await WaitForJob(_admin, (string)answer["jobId"]!);
        Assert.Equal("partner-delete", (string)job["kind"]!);
        Assert.Equal(1500, (long)job["progress"]!["total"]!);
        Assert.Equal(1500, (long)job["progress"]!["done"]!);
        Assert.Equal(1500L, await DeliveryData.Scalar<long>(app.ConnectionString,
            "SELECT count(*) FROM deliveries WHERE event_id = ANY($1) AND status = 'discarded'", paused));
    }

    [Fact]
    public async Task Deleting_a_subscription_answers_at_once_and_a_job_discards_its_unsent_deliveries_pending_and_paused()
    {
        var (_, subscription) = await Subscribe();
        var paused = await DeliveryData.InsertEvents(app.ConnectionString, subscription, 1500, status: "paused");
        var pending = await DeliveryData.InsertEvents(app.ConnectionString, subscription, 2, dueIn: TimeSpan.FromHours(1));

        await _admin.DeleteAsync($"/api/v1/subscriptions/{subscription}").Expect(HttpStatusCode.NoContent);
        await _admin.GetAsync($"/api/v1/subscriptions/{subscription}").Expect(HttpStatusCode.NotFound);

        var jobId = await DeliveryData.Scalar<Guid>(app.ConnectionString,
            "SELECT id FROM admin_jobs WHERE kind = 'subscription-delete' AND arguments->>'subscriptionId' = $1", subscription.ToString());
        var job = await WaitForJob(_admin, jobId.ToString());
        Assert.Equal("succeeded", (string)job["state"]!);
        Assert.Equal(1502, (long)job["progress"]!["total"]!);
        Assert.Equal(1502, (long)job["progress"]!["done"]!);
        Assert.Equal(1502L, await DeliveryData.Scalar<long>(app.ConnectionString,
            "SELECT count(*) FROM deliveries WHERE event_id = ANY($1) AND status = 'discarded'", paused.Concat(pending).ToArray()));
    }

    [Fact]
    public async Task A_run_that_failed_and_waits_for_its_retry_shows_as_enqueued_with_the_failure()
    {
        // A replay job whose stored arguments cannot be read: every run of it throws.
        using var scope = app.Services.CreateScope();
        var jobs = scope.ServiceProvider.GetRequiredService<AdminJobs>();
        var added = await jobs.AddAsync<BulkReplayJob>(BulkReplayJob.Kind, Admin, 1, new { filter = 5 }, id => j => j.RunAsync(id, CancellationToken.None));
        jobs.Start(added);

        // The first retry comes 2 s after the failure (BulkReplayJob's schedule); the error shows in between.
        var job = await WaitForJob(_admin, added.Id.ToString(), until: j => j["error"] is not null);

        Assert.Equal("enqueued", (string)job["state"]!);
        Assert.StartsWith("Retry attempt 1 of 5: ", (string?)job["error"]);
        Assert.Null(job["finishedAt"]);
    }

    [Fact]
    public async Task A_job_whose_request_committed_but_did_not_start_it_starts_by_itself()
    {
        var (partner, subscription) = await Subscribe();
        var unsent = await DeliveryData.InsertEvents(app.ConnectionString, subscription, 3, status: "paused");

        // The row is committed and the request stops there, as when the app dies right after its commit.
        using var scope = app.Services.CreateScope();
        var added = await scope.ServiceProvider.GetRequiredService<AdminJobs>().AddAsync<PartnerDeletionJob>(PartnerDeletionJob.Kind, Admin, 3,
            new PartnerDeletionJob.Arguments(partner), id => j => j.RunAsync(id, CancellationToken.None));
        Assert.Equal("enqueued", (string)(await _admin.GetAsync($"/api/v1/jobs/{added.Id}").Expect(HttpStatusCode.OK))["state"]!);

        var done = await WaitForJob(_admin, added.Id.ToString());
        Assert.Equal("succeeded", (string)done["state"]!);
        Assert.Equal(3, (long)done["progress"]!["done"]!);
        // The row's time is taken a round trip after the job was scheduled, hence the second's allowance.
        Assert.True(DateTimeOffset.Parse((string)done["finishedAt"]!) - DateTimeOffset.Parse((string)done["createdAt"]!) >= AdminJobs.StartsByItselfAfter - TimeSpan.FromSeconds(1),
            "the job ran before it was due to start by itself");
        Assert.Equal(3L, await DeliveryData.Scalar<long>(app.ConnectionString,
            "SELECT count(*) FROM deliveries WHERE event_id = ANY($1) AND status = 'discarded'", unsent));
    }

    [Fact]
    public async Task An_unknown_job_is_a_404_problem_and_a_partner_sees_only_its_own_jobs()
    {
        var unknown = await _admin.GetAsync($"/api/v1/jobs/{Guid.NewGuid()}").Expect(HttpStatusCode.NotFound);
        Assert.Equal("urn:webhooks:problem:not-found", (string)unknown["type"]!);

        var (partner, subscription) = await Subscribe();
        await DeliveryData.InsertEvents(app.ConnectionString, subscription, 2, status: "dead");
        var partnerClient = app.Client(await _admin.CreatePartnerKey(partner));
        var own = await partnerClient.PostAsJsonAsync("/api/v1/deliveries/replay", new { status = "dead" }).Expect(HttpStatusCode.Accepted);
        Assert.Equal(2, (int)own["count"]!);
        Assert.Equal("succeeded", (string)(await WaitForJob(partnerClient, (string)own["jobId"]!))["state"]!);

        var adminJob = await _admin.PostAsJsonAsync("/api/v1/deliveries/replay", new { subscriptionId = subscription }).Expect(HttpStatusCode.Accepted);
        await partnerClient.GetAsync($"/api/v1/jobs/{(string)adminJob["jobId"]!}").Expect(HttpStatusCode.NotFound);
    }
}
