using System.Net;
using System.Text;
using Webhooks.Tests.Infrastructure;
using Webhooks.Tests.Ui;

namespace Webhooks.Tests.CloudEvents;

/// <summary>The UI: the subscription forms choose the format and ask for verification, the subscription page shows its state and verifies, the event page shows the attributes.</summary>
public sealed class CloudEventPageTests(CloudEventsApp app) : IClassFixture<CloudEventsApp>
{
    [Fact]
    public async Task A_subscription_made_in_the_browser_waits_for_its_endpoint_and_Verify_now_sends_what_waited()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var admin = app.Client();
        var type = await admin.CreateEventType();
        var partnerId = await admin.CreatePartner("Verify Co");
        var browser = await Browser.SignedIn(app);
        var form = await browser.Open($"/subscriptions/new?partnerId={partnerId}");
        Assert.Null(form.QuerySelector("input[name='Form.VerifyOwnership'][checked]"));

        var created = await browser.Submit(form, "create-subscription", new()
        {
            ["Form.Url"] = receiver.Url, ["Form.EventTypes"] = type, ["Form.Format"] = "cloudevents-binary", ["Form.VerifyOwnership"] = "true",
        });
        Assert.Contains("has not passed the ownership handshake", created.QuerySelector(".secret")!.TextContent);
        var detail = await browser.Open(created.QuerySelector(".secret a")!.GetAttribute("href")!);
        Assert.Contains("cloudevents-binary", detail.Body!.TextContent);
        Assert.Contains("verification failed", detail.QuerySelector("#verification")!.TextContent);
        Assert.Contains("HTTP 405", detail.QuerySelector("#verification")!.TextContent);
        Assert.Equal("cloudevents-binary", detail.QuerySelector("#format option[selected]")!.GetAttribute("value"));

        var eventId = await UiData.SendEvent(app, type);
        receiver.RespondToOptions = _ => new Answer(200, Headers: new() { ["WebHook-Allowed-Origin"] = CloudEventsApp.Origin });
        var verified = await browser.Submit(detail, "verify");

        Assert.Contains("Verified", verified.QuerySelector(".notice")!.TextContent);
        Assert.Contains("verified", verified.QuerySelector("#verification")!.TextContent);
        var delivered = (await receiver.WaitForCount(1)).Single();
        Assert.Equal(eventId.ToString(), delivered.Headers["ce-id"]);
    }

    [Fact]
    public async Task The_event_page_shows_a_CloudEvents_attributes()
    {
        var admin = app.Client();
        var type = await admin.CreateEventType();
        var accepted = await admin.PostAsync("/api/v1/events", new StringContent($$$"""
            {"specversion":"1.0","id":"page-{{{Guid.NewGuid():N}}}","source":"/shop/page","type":"{{{type}}}","subject":"orders/o-7","data":{"orderId":"o-7","amount":1}}
            """, Encoding.UTF8, "application/cloudevents+json")).Expect(HttpStatusCode.Accepted);

        var page = await (await Browser.SignedIn(app)).Open($"/events/{accepted["id"]}");

        var attributes = page.QuerySelector("#cloudevent")!.TextContent;
        Assert.Contains("/shop/page", attributes);
        Assert.Contains("orders/o-7", attributes);
    }
}
