using Microsoft.Extensions.DependencyInjection;
using Webhooks.Common;
using Webhooks.Delivery;
using Webhooks.Stats;
using Webhooks.Tests.Infrastructure;
using Webhooks.Ui;
using Webhooks.Ui.Shared;

namespace Webhooks.ComponentTests;

public sealed class SharedComponentTests(WebhooksApp app) : ComponentTest(app)
{
    [Fact]
    public void StatusBadge_names_the_status_and_colours_it_by_class()
    {
        var badge = Render<StatusBadge>(p => p.Add(x => x.Status, DeliveryStatus.Dead));
        badge.MarkupMatches("""<span class="badge badge-dead">dead</span>""");
    }

    [Fact]
    public void Notice_shows_a_message_and_nothing_without_one()
    {
        Assert.Equal("Saved.", Render<Notice>(p => p.Add(x => x.Message, "Saved.")).Find("[role=status]").TextContent);
        Assert.Empty(Render<Notice>(p => p.Add(x => x.Message, null)).Markup.Trim());
    }

    [Fact]
    public void ErrorSummary_lists_every_field_message_or_the_detail()
    {
        var fields = Render<ErrorSummary>(p => p.Add(x => x.Failure, Failure.Validation(new Dictionary<string, string[]> { ["$.url"] = ["bad url"], ["$.eventTypes[0]"] = ["unknown type"] })));
        Assert.Equal(["bad url", "unknown type"], fields.FindAll("li").Select(li => li.TextContent));
        var conflict = Render<ErrorSummary>(p => p.Add(x => x.Failure, Failure.Conflict("It changed meanwhile.")).Add(x => x.Title, "Not saved"));
        Assert.Equal("Not saved", conflict.Find("h2").TextContent);
        Assert.Equal("It changed meanwhile.", conflict.Find("p").TextContent);
        Assert.Empty(Render<ErrorSummary>().Markup.Trim());
    }

    [Fact]
    public void FieldError_shows_the_messages_of_its_path_and_its_children_only()
    {
        var failure = Failure.Validation(new Dictionary<string, string[]> { ["$.eventTypes[1]"] = ["no such type"], ["$.url"] = ["bad url"] });
        var error = Render<FieldError>(p => p.Add(x => x.Failure, failure).Add(x => x.Path, "$.eventTypes").Add(x => x.Id, "types-error"));
        error.MarkupMatches("""<p class="field-error" id="types-error">no such type</p>""");
    }

    [Fact]
    public void HeaderTable_lists_recorded_headers_and_says_when_there_are_none()
    {
        var table = Render<HeaderTable>(p => p.Add(x => x.Json, """{"webhook-id":"msg_1","content-type":"application/json"}"""));
        Assert.Equal(2, table.FindAll("tbody tr").Count);
        Assert.Contains("webhook-id", table.Find("tbody").TextContent);
        Assert.Equal("none recorded", Render<HeaderTable>(p => p.Add(x => x.Json, "not json")).Find("p").TextContent);
    }

    [Fact]
    public void Json_indents_what_parses_and_shows_the_rest_as_it_is()
    {
        Assert.Equal("{\n  \"a\": [\n    1\n  ]\n}", Render<Json>(p => p.Add(x => x.Value, """{"a":[1]}""")).Find("pre").TextContent.Replace("\r", ""));
        Assert.Equal("{broken", Render<Json>(p => p.Add(x => x.Value, "{broken")).Find("pre").TextContent);
    }

    [Fact]
    public void Time_shows_utc_and_how_long_ago_by_the_clock()
    {
        var at = Clock.GetUtcNow().AddMinutes(-5);
        var time = Render<Time>(p => p.Add(x => x.Value, at));
        Assert.Equal(at.UtcDateTime.ToString("O"), time.Find("time").GetAttribute("datetime"));
        Assert.Contains("(5 min ago)", time.Find(".rel").TextContent);
        Assert.Contains("in 3 h", Render<Time>(p => p.Add(x => x.Value, Clock.GetUtcNow().AddHours(3))).Find(".rel").TextContent);
        Assert.Equal("never", Render<Time>(p => p.Add(x => x.Value, null)).Find(".muted").TextContent);
    }

    [Fact]
    public void Pager_links_the_next_page_keeping_the_filters_and_offers_the_first_page_once_paged()
    {
        At("/deliveries?status=dead");
        var first = Render<Pager>(p => p.Add(x => x.Next, "502~0193f0c2-7d1e-7c3a-9a53-5f2b2c9d1e0a"));
        Assert.Equal("http://localhost/deliveries?status=dead&after=502~0193f0c2-7d1e-7c3a-9a53-5f2b2c9d1e0a", Uri.UnescapeDataString(first.Find("a[rel=next]").GetAttribute("href")!));
        Assert.Empty(first.FindAll("a:not([rel])"));
        At("/deliveries?status=dead&after=x");
        var last = Render<Pager>(p => p.Add(x => x.Next, null));
        Assert.Equal("http://localhost/deliveries?status=dead", last.Find("a").GetAttribute("href"));
    }

    [Fact]
    public void SortLink_asks_for_its_sort_then_the_reverse_and_drops_the_page_cursor()
    {
        At("/dead-letters?subscriptionId=s1&after=abc");
        var idle = Render<SortLink>(p => p.Add(x => x.Label, "Last answer").Add(x => x.Sort, "code").Add(x => x.Reverse, "code-desc"));
        Assert.Equal("http://localhost/dead-letters?subscriptionId=s1&sort=code", idle.Find("a").GetAttribute("href"));
        Assert.DoesNotContain("active", idle.Find("a").ClassName);
        var active = Render<SortLink>(p => p.Add(x => x.Label, "Last answer").Add(x => x.Sort, "code").Add(x => x.Reverse, "code-desc").Add(x => x.Current, "code"));
        Assert.Contains("sort=code-desc", active.Find("a").GetAttribute("href"));
        Assert.Contains("active", active.Find("a").ClassName);
        var byDefault = Render<SortLink>(p => p.Add(x => x.Label, "Created").Add(x => x.Sort, "newest").Add(x => x.Reverse, "oldest").Add(x => x.IsDefault, true));
        Assert.Contains("sort=oldest", byDefault.Find("a").GetAttribute("href"));
    }

    [Fact]
    public void BadQuery_lists_what_does_not_read_with_a_way_back()
    {
        var query = new QueryText();
        query.Id("nope", "partnerId");
        query.Cursor("forged");
        query.Int("70000", "statusCode", 0, 999);
        var shown = Render<BadQuery>(p => p.Add(x => x.Query, query).Add(x => x.ClearHref, "/deliveries"));
        Assert.Equal(3, shown.FindAll("li").Count);
        Assert.Contains("partnerId \"nope\" is not an id", shown.Markup);
        Assert.Equal("/deliveries", shown.Find("a").GetAttribute("href"));
        Assert.Empty(Render<BadQuery>(p => p.Add(x => x.Query, new QueryText()).Add(x => x.ClearHref, "/")).Markup.Trim());
    }

    [Fact]
    public void DeliveryOutcomeBar_draws_each_status_in_proportion_and_says_it_in_words()
    {
        var eventId = Guid.NewGuid();
        var bar = Render<DeliveryOutcomeBar>(p => p.Add(x => x.EventId, eventId)
            .Add(x => x.Outcome, new DeliveryOutcome(new Dictionary<string, int> { ["succeeded"] = 2, ["dead"] = 1, ["pending"] = 1 })));
        Assert.Equal("2 succeeded, 1 pending, 1 dead", bar.Find(".outcome-words").TextContent);
        Assert.Equal(["50", "25", "25"], bar.FindAll("rect").Select(r => r.GetAttribute("width")));
        Assert.Equal(["0", "50", "75"], bar.FindAll("rect").Select(r => r.GetAttribute("x")));
        Assert.Equal($"/deliveries?eventId={eventId}", bar.Find("a").GetAttribute("href"));
        Assert.Equal("none", Render<DeliveryOutcomeBar>(p => p.Add(x => x.EventId, eventId)).Find(".muted").TextContent);
    }

    [Fact]
    public void DayChart_scales_to_a_round_top_and_draws_a_bar_pair_per_hour()
    {
        var start = new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero);
        var hours = Enumerable.Range(0, 24).Select(i => new HourStat(start.AddHours(i), Events: i == 5 ? 37 : 1, Succeeded: i == 5 ? 30 : 0, Failed: i == 5 ? 4 : 0)).ToList();
        var chart = Render<DayChart>(p => p.Add(x => x.Hours, hours));
        Assert.Contains("Highest hour: 50.", chart.Find("desc").TextContent); // 37 rounds up to 50
        Assert.Equal(["0", "25", "50"], chart.FindAll("text.axis").Take(3).Select(t => t.TextContent));
        Assert.Equal(24, chart.FindAll("rect.ok").Count);
        Assert.Equal(24, chart.FindAll("rect.failed").Count);
        var okBar = chart.FindAll("rect.ok")[5];
        Assert.Equal((30.0 / 50 * 180).ToString("0.#"), okBar.GetAttribute("height")); // plot height 180
        Assert.Contains("05:00 UTC: 30 succeeded", okBar.TextContent);
        var empty = Render<DayChart>(p => p.Add(x => x.Hours, []));
        Assert.Contains("Highest hour: 2.", empty.Find("desc").TextContent);
    }

    [Fact]
    public void LiveBar_says_whether_the_view_is_live_paused_or_a_snapshot_and_offers_pause_only_when_live()
    {
        var toggled = 0;
        var live = Render<Ui.Live.LiveBar>(p => p.Add(x => x.Live, true).Add(x => x.Every, TimeSpan.FromSeconds(5)).Add(x => x.UpdatedAt, Clock.GetUtcNow())
            .Add(x => x.OnTogglePause, () => toggled++));
        Assert.Equal("live", live.Find(".badge").TextContent);
        Assert.Contains("every 5 s", live.Find(".live-when").TextContent);
        live.Find("button").Click();
        Assert.Equal(1, toggled);
        var paused = Render<Ui.Live.LiveBar>(p => p.Add(x => x.Live, true).Add(x => x.Paused, true).Add(x => x.OnTogglePause, () => { }));
        Assert.Equal("Go on", paused.Find("button").TextContent);
        Assert.Equal("true", paused.Find("button").GetAttribute("aria-pressed"));
        var snapshot = Render<Ui.Live.LiveBar>(p => p.Add(x => x.Live, false).Add(x => x.OnTogglePause, () => { }));
        Assert.Equal("as of the page load", snapshot.Find(".badge").TextContent);
        Assert.Empty(snapshot.FindAll("button"));
        var failing = Render<Ui.Live.LiveBar>(p => p.Add(x => x.Live, true).Add(x => x.Problem, "The last update failed"));
        Assert.Contains("The last update failed", failing.Find(".field-error").TextContent);
        Assert.Contains("signed out", Render<Ui.Live.LiveBar>(p => p.Add(x => x.SignedOut, true)).Markup);
    }

    [Fact]
    public void ReconnectState_carries_the_id_and_parts_blazor_web_js_fills_in()
    {
        var state = Render<ReconnectState>();
        Assert.NotNull(state.Find("#components-reconnect-modal"));
        Assert.NotNull(state.Find("#components-reconnect-current-attempt"));
        Assert.NotNull(state.Find("#components-reconnect-max-retries"));
        Assert.NotNull(state.Find("button#reconnect-retry"));
        Assert.Contains("Reconnecting", state.Find(".reconnect-connecting").TextContent);
    }
}
