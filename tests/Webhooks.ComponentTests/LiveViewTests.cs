using System.Net;
using System.Net.Http.Json;
using Microsoft.AspNetCore.Components;
using Webhooks.Tests.Infrastructure;
using Webhooks.Ui.Live;

namespace Webhooks.ComponentTests;

/// <summary>The live views on their own connection (interactive), driven by a fake clock, reading the real database.</summary>
public sealed class LiveViewTests(WebhooksApp app) : ComponentTest(app)
{
    private void SignedInAs(Webhooks.Auth.Caller caller)
    {
        var auth = AddAuthorization();
        auth.SetAuthorized(caller.Name);
        auth.SetClaims(Principal(caller).Claims.ToArray());
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
    }

    [Fact]
    public async Task The_dashboard_reads_again_on_every_tick_of_the_refresh_period()
    {
        SignedInAs(Admin);
        var view = Render<LiveDashboard>();
        view.WaitForAssertion(() => Assert.True(view.FindAll(".tiles").Count == 1, view.Markup), TimeSpan.FromSeconds(10));
        var dead = () => long.Parse(view.FindAll(".tiles div").Single(d => d.TextContent.Contains("Dead")).QuerySelector("dd")!.TextContent);
        var before = dead();
        Assert.Equal("live", view.Find(".live-bar .badge").TextContent);

        var type = await Api.CreateEventType();
        var partnerId = await Api.CreatePartner();
        await Api.CreateSubscription(partnerId, "https://live.example.com/hook", type);
        var created = await Api.PostAsJsonAsync("/api/v1/events", new { type, payload = new { orderId = "o", amount = 1 } }).Expect(HttpStatusCode.Accepted);
        await Sql("UPDATE deliveries SET status = 'dead' WHERE event_id = $1", Guid.Parse((string)created["id"]!));
        Assert.Equal(before, dead()); // nothing changes until the next tick

        Clock.Advance(TimeSpan.FromSeconds(5));
        view.WaitForAssertion(() => Assert.Equal(before + 1, dead()), TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task The_attempts_tail_shows_new_attempts_marks_them_and_stops_while_paused()
    {
        SignedInAs(Admin);
        var type = await Api.CreateEventType();
        var partnerId = await Api.CreatePartner();
        var subscriptionId = Guid.Parse((string)(await Api.CreateSubscription(partnerId, "https://tail.example.com/hook", type))["id"]!);
        var view = Render<LiveAttempts>(p => p.Add(x => x.SubscriptionId, subscriptionId));
        view.WaitForElement(".empty", TimeSpan.FromSeconds(30));

        await AttemptAsync(type, 200);
        Clock.Advance(TimeSpan.FromSeconds(5));
        view.WaitForAssertion(() => Assert.Single(view.FindAll("tbody tr")), TimeSpan.FromSeconds(30));
        Assert.Contains("HTTP 200", view.Find("tbody tr").TextContent);
        Assert.DoesNotContain("new", view.Find("tbody tr").ClassName ?? ""); // the first read marks nothing

        view.Find(".live-bar button").Click();
        // The click is dispatched behind any work the renderer is still doing (the read of the last tick): wait for it.
        view.WaitForAssertion(() => Assert.Equal("paused", view.Find(".live-bar .badge").TextContent), TimeSpan.FromSeconds(30));
        await AttemptAsync(type, 503);
        Clock.Advance(TimeSpan.FromSeconds(5));
        Clock.Advance(TimeSpan.FromSeconds(5));
        Assert.Single(view.FindAll("tbody tr"));

        view.Find(".live-bar button").Click(); // goes on, and reads at once
        view.WaitForAssertion(() => Assert.Equal(2, view.FindAll("tbody tr").Count), TimeSpan.FromSeconds(30));
        Assert.Contains("HTTP 503", view.Find("tbody tr").TextContent);
        Assert.Contains("new", view.Find("tbody tr").ClassName);

        var readAt = view.Find(".live-when time").GetAttribute("datetime");
        Clock.Advance(TimeSpan.FromSeconds(5));
        view.WaitForAssertion(() => Assert.NotEqual(readAt, view.Find(".live-when time").GetAttribute("datetime")), TimeSpan.FromSeconds(30));
        Assert.Contains("new", view.Find("tbody tr").ClassName); // nothing newer came: the mark stays
    }

    [Fact]
    public async Task A_read_still_running_when_the_view_is_paused_does_not_change_what_it_shows()
    {
        SignedInAs(Admin);
        var reads = new Queue<TaskCompletionSource<string?>>();
        var view = Render<HeldView>(p => p.Add(x => x.Read, () => { var read = new TaskCompletionSource<string?>(); reads.Enqueue(read); return read.Task; }));
        await view.InvokeAsync(() => reads.Dequeue().SetResult("first"));
        view.WaitForAssertion(() => Assert.Equal("first", view.Find("p").TextContent));

        Clock.Advance(TimeSpan.FromSeconds(5));
        view.WaitForAssertion(() => Assert.Single(reads)); // the tick's read runs
        view.Find("button").Click();
        view.WaitForAssertion(() => Assert.Equal("Go on", view.Find("button").TextContent));
        await view.InvokeAsync(() => reads.Dequeue().SetResult("second"));
        await view.InvokeAsync(() => { }); // behind the read's end on the renderer
        Assert.Equal("first", view.Find("p").TextContent);
    }

    /// <summary>A live view whose reads the test answers: it shows its data and has the pause switch.</summary>
    public sealed class HeldView : LiveView<string>
    {
        [Parameter] public Func<Task<string?>> Read { get; set; } = default!;

        protected override Task<string?> LoadAsync(IServiceProvider services, Webhooks.Auth.Caller caller, CancellationToken cancellationToken) => Read();

        protected override void BuildRenderTree(Microsoft.AspNetCore.Components.Rendering.RenderTreeBuilder builder)
        {
            builder.AddMarkupContent(0, $"<p>{Data}</p>");
            builder.OpenElement(1, "button");
            builder.AddAttribute(2, "onclick", EventCallback.Factory.Create(this, TogglePauseAsync));
            builder.AddContent(3, Paused ? "Go on" : "Pause");
            builder.CloseElement();
        }
    }

    [Fact]
    public async Task A_partner_s_tail_of_another_partner_s_subscription_shows_nothing()
    {
        var type = await Api.CreateEventType();
        var other = await Api.CreatePartner("Other");
        var subscriptionId = Guid.Parse((string)(await Api.CreateSubscription(other, "https://other.example.com/hook", type))["id"]!);
        SignedInAs(PartnerUser(await Api.CreatePartner("Mine")));
        var view = Render<LiveAttempts>(p => p.Add(x => x.SubscriptionId, subscriptionId));
        view.WaitForAssertion(() => Assert.NotNull(view.Find(".live-when time")), TimeSpan.FromSeconds(30)); // it has read
        Assert.Empty(view.FindAll("table"));
        Assert.Empty(view.FindAll(".empty"));
    }

    [Fact]
    public void Signed_out_the_view_stops_and_says_so()
    {
        AddAuthorization().SetNotAuthorized();
        SetRendererInfo(new RendererInfo("Server", isInteractive: true));
        var view = Render<LiveDashboard>();
        Assert.Contains("You are signed out", view.Find(".live-bar").TextContent);
        Assert.Empty(view.FindAll(".tiles"));
    }

    [Fact]
    public void Prerendered_without_a_connection_it_is_a_snapshot_with_no_pause_switch()
    {
        var auth = AddAuthorization();
        auth.SetAuthorized("admin");
        auth.SetClaims(Principal(Admin).Claims.ToArray());
        SetRendererInfo(new RendererInfo("Static", isInteractive: false));
        var view = Render<LiveAttempts>(p => p.Add(x => x.SubscriptionId, Guid.NewGuid()));
        view.WaitForElement(".live-bar .badge", TimeSpan.FromSeconds(30)); // rendered once its read has returned
        Assert.Equal("as of the page load", view.Find(".live-bar .badge").TextContent);
        Assert.Empty(view.FindAll(".live-bar button"));
    }

    /// <summary>An event of the type, and one attempt of its delivery answered with this status, written as the worker would.</summary>
    private async Task AttemptAsync(string type, int status)
    {
        var created = await Api.PostAsJsonAsync("/api/v1/events", new { type, payload = new { orderId = "o", amount = 1 } }).Expect(HttpStatusCode.Accepted);
        var eventId = Guid.Parse((string)created["id"]!);
        await Sql("""
            WITH d AS (UPDATE deliveries SET attempt_count = 1, last_attempt_at = now(), last_status_code = $2 WHERE event_id = $1 RETURNING id)
            INSERT INTO attempts (delivery_id, number, at, status_code, duration_ms) SELECT id, 1, clock_timestamp(), $2, 12 FROM d
            """, eventId, status);
    }

    [Fact]
    public async Task A_job_s_progress_moves_on_each_tick_and_shows_when_it_is_done()
    {
        SignedInAs(Admin);
        var partnerId = await Api.CreatePartner("Removed");
        // Workers are off in this app: the job stays enqueued, and the test moves its row on as the job would.
        var removal = await Api.DeleteAsync($"/api/v1/partners/{partnerId}").Expect(HttpStatusCode.Accepted);
        var jobId = Guid.Parse((string)removal["jobId"]!);
        await Sql("UPDATE admin_jobs SET total = 10, done = 3 WHERE id = $1", jobId);
        var view = Render<LiveJobProgress>(p => p.Add(x => x.JobId, jobId));
        view.WaitForAssertion(() => Assert.Equal("3", view.Find(".job-done").TextContent), TimeSpan.FromSeconds(30));
        Assert.Equal("enqueued", view.Find("[data-state]").GetAttribute("data-state"));
        Assert.Equal("10", view.Find("progress").GetAttribute("max"));

        await Sql("UPDATE admin_jobs SET done = 7 WHERE id = $1", jobId);
        Assert.Equal("3", view.Find(".job-done").TextContent); // nothing changes until the next tick
        Clock.Advance(TimeSpan.FromSeconds(5));
        view.WaitForAssertion(() => Assert.Equal("7", view.Find(".job-done").TextContent), TimeSpan.FromSeconds(30));
        // The link stays when live (so nothing below moves as the view goes live); the reload hint is for a page without its connection.
        Assert.Equal("Open the job's page.", view.Find("p.hint").TextContent);
    }

    [Fact]
    public async Task A_partner_user_does_not_see_another_s_job()
    {
        var removal = await Api.DeleteAsync($"/api/v1/partners/{await Api.CreatePartner("Gone")}").Expect(HttpStatusCode.Accepted);
        SignedInAs(PartnerUser(await Api.CreatePartner("Curious")));
        var view = Render<LiveJobProgress>(p => p.Add(x => x.JobId, Guid.Parse((string)removal["jobId"]!)));
        view.WaitForElement(".empty", TimeSpan.FromSeconds(30));
        Assert.Empty(view.FindAll("progress"));
    }
}
