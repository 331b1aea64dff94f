using System.Net;
using System.Net.Http.Json;
using System.Text.Json.Nodes;

namespace Webhooks.Tests.Infrastructure;

/// <summary>Shortcuts for setting up data through the public API; each call makes names of its own.</summary>
public static class Api
{
    public static string UniqueName(string prefix = "test") => $"{prefix}.{Guid.NewGuid():N}"[..(prefix.Length + 13)];

    public static async Task<JsonNode> ReadJson(this HttpResponseMessage response) =>
        JsonNode.Parse(await response.Content.ReadAsStringAsync()) ?? throw new InvalidOperationException("empty body");

    public static async Task<JsonNode> Expect(this Task<HttpResponseMessage> call, HttpStatusCode status)
    {
        var response = await call;
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"expected {(int)status}, got {(int)response.StatusCode}: {body}");
        return body.Length == 0 ? new JsonObject() : JsonNode.Parse(body)!;
    }

    public static readonly JsonObject OrderSchema = new()
    {
        ["type"] = "object",
        ["required"] = new JsonArray("orderId", "amount"),
        ["properties"] = new JsonObject
        {
            ["orderId"] = new JsonObject { ["type"] = "string" },
            ["amount"] = new JsonObject { ["type"] = "number", ["minimum"] = 0 },
            ["items"] = new JsonObject { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "object", ["required"] = new JsonArray("sku") } },
        },
    };

    public static async Task<string> CreateEventType(this HttpClient admin, string? name = null, JsonNode? schema = null)
    {
        name ??= UniqueName("order");
        await admin.PostAsJsonAsync("/api/v1/event-types", new { name, schema = schema ?? OrderSchema.DeepClone(), example = new { orderId = "o-1", amount = 12.5 } })
            .Expect(HttpStatusCode.Created);
        return name;
    }

    public static async Task<Guid> CreatePartner(this HttpClient admin, string name = "Acme")
    {
        var partner = await admin.PostAsJsonAsync("/api/v1/partners", new { name }).Expect(HttpStatusCode.Created);
        return Guid.Parse((string)partner["id"]!);
    }

    public static async Task<string> CreatePartnerKey(this HttpClient admin, Guid partnerId)
    {
        var key = await admin.PostAsJsonAsync($"/api/v1/partners/{partnerId}/api-keys", new { name = "portal" }).Expect(HttpStatusCode.Created);
        return (string)key["key"]!;
    }

    public static async Task<string> CreateKey(this HttpClient admin, params string[] scopes)
    {
        var key = await admin.PostAsJsonAsync("/api/v1/api-keys", new { name = "producer", scopes }).Expect(HttpStatusCode.Created);
        return (string)key["key"]!;
    }

    public static async Task<JsonNode> CreateSubscription(this HttpClient client, Guid partnerId, string url, params string[] eventTypes) =>
        await client.PostAsJsonAsync("/api/v1/subscriptions", new { partnerId, url, eventTypes }).Expect(HttpStatusCode.Created);
}
