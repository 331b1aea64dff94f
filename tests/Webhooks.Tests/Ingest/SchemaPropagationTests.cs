using System.Net;
using System.Net.Http.Json;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Ingest;

public sealed class SchemaPropagationTests
{
    [Fact]
    public async Task A_schema_version_registered_on_one_instance_is_used_by_another_within_seconds()
    {
        await using var first = new ConfiguredApp(new Dictionary<string, string?>());
        await first.InitializeAsync();
        await using var second = new ConfiguredApp(new Dictionary<string, string?> { ["ConnectionStrings:Webhooks"] = first.ConnectionString });
        await second.InitializeAsync();
        var adminOnFirst = first.Client();
        var producerOnSecond = second.Client();
        var type = await adminOnFirst.CreateEventType();
        var body = new { type, payload = new { orderId = "o", amount = 1 } };
        await producerOnSecond.PostAsJsonAsync("/api/v1/events", body).Expect(HttpStatusCode.Accepted);

        var stricter = Api.OrderSchema.DeepClone();
        stricter["required"]!.AsArray().Add("currency");
        await adminOnFirst.PutAsJsonAsync($"/api/v1/event-types/{type}", new { schema = stricter }).Expect(HttpStatusCode.OK);

        var deadline = DateTime.UtcNow.AddSeconds(5);
        HttpStatusCode status;
        do
        {
            await Task.Delay(200);
            status = (await producerOnSecond.PostAsJsonAsync("/api/v1/events", body)).StatusCode;
        } while (status == HttpStatusCode.Accepted && DateTime.UtcNow < deadline);
        Assert.Equal(HttpStatusCode.UnprocessableEntity, status);
    }
}
