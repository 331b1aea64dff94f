using System.Net;
using AngleSharp;
using AngleSharp.Dom;
using AngleSharp.Html.Dom;
using Microsoft.AspNetCore.Mvc.Testing;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Ui;

/// <summary>
/// A person at a browser without JavaScript: follows links, fills in and submits the forms as the page
/// rendered them (antiforgery token included), keeps the sign-in cookie.
/// </summary>
public sealed class Browser(WebhooksApp app)
{
    private readonly HttpClient _client = app.CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = true });

    public HttpStatusCode LastStatus { get; private set; }
    public string? LastLocation { get; private set; }
    public string LastHtml { get; private set; } = "";

    public static async Task<Browser> SignedIn(WebhooksApp app, string username = "admin", string password = WebhooksApp.AdminPassword)
    {
        var browser = new Browser(app);
        var page = await browser.Open("/signin");
        await browser.Submit(page, "signin", new() { ["Form.Username"] = username, ["Form.Password"] = password });
        Assert.True(browser.LastStatus == HttpStatusCode.Redirect, $"sign-in as {username} answered {(int)browser.LastStatus}");
        return browser;
    }

    /// <summary>GETs the page, following redirects, and parses it.</summary>
    public async Task<IDocument> Open(string url)
    {
        var response = await _client.GetAsync(url);
        return await Read(response, url);
    }

    /// <summary>Submits the form as a browser would: every field it holds, with the given values typed in.</summary>
    public async Task<IDocument> Submit(IDocument page, string formSelector /* the form's @formname, or a CSS selector */, Dictionary<string, string>? values = null, string? button = null, string? postTo = null)
    {
        var byName = System.Text.RegularExpressions.Regex.IsMatch(formSelector, @"^[\w-]+$");
        var form = (byName ? (page.QuerySelector($"input[name=_handler][value='{formSelector}']") as IHtmlInputElement)?.Form : page.QuerySelector(formSelector) as IHtmlFormElement)
            ?? throw new InvalidOperationException($"no form '{formSelector}' on {page.Url}:\n{page.Body?.TextContent}");
        var fields = new List<KeyValuePair<string, string>>();
        foreach (var element in form.Elements)
        {
            switch (element)
            {
                case IHtmlInputElement { Type: "checkbox" or "radio", IsChecked: false }:
                case IHtmlInputElement { Type: "submit" }:
                case IHtmlButtonElement:
                    continue;
                case IHtmlInputElement input when !string.IsNullOrEmpty(input.Name):
                    fields.Add(new(input.Name, input.Value));
                    break;
                case IHtmlTextAreaElement area when !string.IsNullOrEmpty(area.Name):
                    fields.Add(new(area.Name, area.Value));
                    break;
                case IHtmlSelectElement select when !string.IsNullOrEmpty(select.Name):
                    fields.Add(new(select.Name, select.Value ?? ""));
                    break;
            }
        }
        if (button is not null)
        {
            var pressed = form.QuerySelector(button) as IHtmlButtonElement ?? throw new InvalidOperationException($"no button '{button}' in the form");
            if (!string.IsNullOrEmpty(pressed.Name)) fields.Add(new(pressed.Name, pressed.Value));
        }
        foreach (var (name, value) in values ?? [])
        {
            if (value.StartsWith("+")) { fields.Add(new(name, value[1..])); continue; } // one more value of a multi-valued field
            fields.RemoveAll(f => f.Key == name);
            fields.Add(new(name, value));
        }
        var action = string.IsNullOrEmpty(form.GetAttribute("action")) ? page.Url : new Uri(new Uri(page.Url), form.GetAttribute("action")!).ToString();
        action = postTo ?? action;
        var response = await _client.PostAsync(action, new FormUrlEncodedContent(fields));
        return await Read(response, action);
    }

    /// <summary>POSTs raw fields (for tests that leave out the antiforgery token on purpose).</summary>
    public Task<HttpResponseMessage> PostRaw(string url, Dictionary<string, string> fields) => _client.PostAsync(url, new FormUrlEncodedContent(fields));

    private async Task<IDocument> Read(HttpResponseMessage response, string url)
    {
        LastStatus = response.StatusCode;
        LastLocation = response.Headers.Location?.ToString();
        var hops = 0;
        while (response.StatusCode is HttpStatusCode.Redirect or HttpStatusCode.Found or HttpStatusCode.SeeOther && hops++ < 5)
        {
            url = new Uri(new Uri("http://localhost" + (url.StartsWith('/') ? url : new Uri(url).PathAndQuery)), response.Headers.Location!).PathAndQuery;
            response = await _client.GetAsync(url);
        }
        var html = await response.Content.ReadAsStringAsync();
        LastHtml = url + " " + html;
        var context = BrowsingContext.New(Configuration.Default);
        var absolute = url.StartsWith("http") ? url : "http://localhost" + url;
        return await context.OpenAsync(r => r.Content(html).Address(absolute).Status(response.StatusCode));
    }
}
