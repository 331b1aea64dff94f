using System.Net;
using System.Net.Http.Json;
using Webhooks.Tests.Delivery;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Jobs;

/// <summary>Background jobs against a real PostgreSQL with the app as real processes, killed with kill -9.</summary>
[Collection(KillTests.Collection)]
public sealed class JobKillTests
{
    private const int DeadLetters = 10_000;

    [Fact]
    public async Task A_bulk_replay_killed_midway_finishes_after_a_restart_and_queues_every_dead_letter_once()
    {
        var connectionString = await TestPostgres.CreateDatabaseAsync();
        await using var receiver = await TestReceiver.StartAsync(_ => new Answer());
        var settings = AppProcess.DeliverySettings();
        settings["Webhooks:Delivery:ReplayPerSecond"] = "1000";
        Guid subscription;
        string jobId;
        long doneAtKill;
        await using (var first = await AppProcess.StartAsync(connectionString, settings))
        {
            using var admin = first.Client();
            var partner = await admin.CreatePartner();
            subscription = Guid.Parse((string)(await admin.CreateSubscription(partner, receiver.Url, "*"))["id"]!);
            await DeliveryData.InsertEvents(connectionString, subscription, DeadLetters, status: "dead");

            var answer = await admin.PostAsJsonAsync("/api/v1/deliveries/replay", new { subscriptionId = subscription }).Expect(HttpStatusCode.Accepted);
            Assert.Equal(DeadLetters, (int)answer["count"]!);
            jobId = (string)answer["jobId"]!;
            await DeliveryData.WaitUntil(connectionString, "SELECT done >= 2000 FROM admin_jobs WHERE id = $1::uuid", [jobId], "the replay to be under way");
            first.Kill();
            doneAtKill = await DeliveryData.Scalar<long>(connectionString, "SELECT done FROM admin_jobs WHERE id = $1::uuid", jobId);
        }
        Assert.InRange(doneAtKill, 1, DeadLetters - 1);
        Assert.Equal(doneAtKill, await DeliveryData.Scalar<long>(connectionString,
            "SELECT count(*) FROM deliveries WHERE subscription_id = $1 AND status <> 'dead'", subscription));

        // The killed worker's job is fetched again once its invisibility lapses (seconds), by the new instance.
        await using var second = await AppProcess.StartAsync(connectionString, settings);
        await DeliveryData.WaitUntil(connectionString, "SELECT count(*) = $2 FROM deliveries WHERE subscription_id = $1 AND status = 'succeeded'",
            [subscription, (long)DeadLetters], "every dead letter to go out again", TimeSpan.FromSeconds(120));

        using var client = second.Client();
        var job = await client.GetAsync($"/api/v1/jobs/{jobId}").Expect(HttpStatusCode.OK);
        for (var deadline = DateTime.UtcNow.AddSeconds(30); (string)job["state"]! != "succeeded" && DateTime.UtcNow < deadline; await Task.Delay(200))
            job = await client.GetAsync($"/api/v1/jobs/{jobId}").Expect(HttpStatusCode.OK);
        Assert.Equal("succeeded", (string)job["state"]!);
        // Every batch counts what it queued, committed with the job's position: a delivery queued twice would count twice.
        Assert.Equal(DeadLetters, (long)job["progress"]!["done"]!);
        // Each was attempted once by the replay (only one in flight at the kill may have gone twice).
        var attempts = await DeliveryData.Scalar<long>(connectionString,
            "SELECT count(*) FROM attempts a JOIN deliveries d ON d.id = a.delivery_id WHERE d.subscription_id = $1", subscription);
        Assert.InRange(attempts, DeadLetters, DeadLetters + 512);
        Assert.Equal(DeadLetters, receiver.Requests.Select(r => r.WebhookId).Distinct().Count());
    }
}
