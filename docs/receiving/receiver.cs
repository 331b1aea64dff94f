// A webhook receiver in ASP.NET Core with the StandardWebhooks NuGet package: verifies the signature and the
// timestamp (5 minutes either way), skips repeats by webhook-id and answers 204 at once.
// Run (.NET 10 SDK): WEBHOOK_SECRET=whsec_... PORT=4000 dotnet run receiver.cs
#:sdk Microsoft.NET.Sdk.Web
#:package StandardWebhooks@1.1.2

using System.Collections.Concurrent;
using StandardWebhooks;
using StandardWebhooks.Diagnostics;

var webhook = new StandardWebhook(Environment.GetEnvironmentVariable("WEBHOOK_SECRET")!);
var seen = new ConcurrentDictionary<string, bool>(); // keep these in your database in production
var port = Environment.GetEnvironmentVariable("PORT") ?? "4000";

var app = WebApplication.Create();
app.MapPost("/webhooks", async (HttpRequest request) =>
{
    using var reader = new StreamReader(request.Body);
    var body = await reader.ReadToEndAsync(); // the raw body: the signature covers it byte for byte
    try
    {
        webhook.Verify(body, request.Headers);
    }
    catch (WebhookVerificationException)
    {
        Console.WriteLine("rejected");
        return Results.BadRequest();
    }
    var id = request.Headers["webhook-id"].ToString();
    Console.WriteLine(seen.TryAdd(id, true) ? $"verified {id}" : $"duplicate {id}"); // hand the event to your own queue here
    return Results.NoContent();
});
app.Lifetime.ApplicationStarted.Register(() => Console.WriteLine($"listening on http://127.0.0.1:{port}/webhooks"));
app.Run($"http://127.0.0.1:{port}");
