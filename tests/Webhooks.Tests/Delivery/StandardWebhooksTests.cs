using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Delivery;

/// <summary>Real deliveries verified by the reference implementation, the npm package standardwebhooks.</summary>
public sealed class StandardWebhooksTests(DeliveryApp app) : IClassFixture<DeliveryApp>
{
    private const string Package = "standardwebhooks@1.1.1";
    private static readonly string NodeFolder = Path.Combine(Path.GetTempPath(), "webhooks-tests-standardwebhooks");

    private const string Verifier = """
        const { Webhook } = require("standardwebhooks");
        const cases = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
        const results = cases.map(c => {
            try { new Webhook(c.secret).verify(c.body, c.headers); return "ok"; }
            catch (e) { return "rejected: " + e.message; }
        });
        console.log(JSON.stringify(results));
        """;

    [Fact]
    public async Task Deliveries_verify_with_the_standardwebhooks_package_with_either_secret_during_a_rotation()
    {
        await using var receiver = await TestReceiver.StartAsync();
        var admin = app.Client();
        var partner = await admin.CreatePartner();
        var subscription = await admin.CreateSubscription(partner, receiver.Url, "*");
        var id = Guid.Parse((string)subscription["id"]!);
        var oldSecret = (string)subscription["secret"]!;
        await DeliveryData.InsertEvents(app.ConnectionString, id, 2, "order.placed");
        await receiver.WaitForCount(2);
        var newSecret = (string)(await admin.PostAsync($"/api/v1/subscriptions/{id}/rotate-secret", null).Expect(HttpStatusCode.OK))["secret"]!;
        await DeliveryData.InsertEvents(app.ConnectionString, id, 1, "order.placed");
        var requests = await receiver.WaitForCount(3);
        var rotated = requests.Single(r => r.Headers["webhook-signature"].Contains(' '));

        var cases = requests.Select(r => Case(oldSecret, r))
            .Append(Case(newSecret, rotated))
            .Append(Case(oldSecret, rotated))
            .Append(Case(oldSecret, rotated with { Body = rotated.Body.Replace("order.placed", "order.paid") }))
            .Append(Case(Webhooks.Subscriptions.SigningSecrets.Generate(), rotated))
            .ToList();
        var results = await VerifyWithNode(cases);

        Assert.Equal(["ok", "ok", "ok", "ok", "ok"], results.Take(5));
        Assert.StartsWith("rejected", results[5]);
        Assert.StartsWith("rejected", results[6]);
    }

    private static object Case(string secret, Received request) => new
    {
        secret,
        body = request.Body,
        headers = new Dictionary<string, string>
        {
            ["webhook-id"] = request.Headers["webhook-id"],
            ["webhook-timestamp"] = request.Headers["webhook-timestamp"],
            ["webhook-signature"] = request.Headers["webhook-signature"],
        },
    };

    private static async Task<string[]> VerifyWithNode(List<object> cases)
    {
        await InstallPackage();
        var input = Path.Combine(NodeFolder, $"cases-{Guid.NewGuid():N}.json");
        var script = Path.Combine(NodeFolder, "verify.js");
        await File.WriteAllTextAsync(input, JsonSerializer.Serialize(cases));
        await File.WriteAllTextAsync(script, Verifier);
        var (code, output) = await Run("node", NodeFolder, script, input);
        File.Delete(input);
        Assert.True(code == 0, output);
        return JsonSerializer.Deserialize<string[]>(output.Trim().Split('\n')[^1])!;
    }

    private static async Task InstallPackage()
    {
        if (File.Exists(Path.Combine(NodeFolder, "node_modules", "standardwebhooks", "package.json"))) return;
        Directory.CreateDirectory(NodeFolder);
        var (code, output) = await Run("npm", NodeFolder, "install", "--no-audit", "--no-fund", "--prefix", NodeFolder, Package);
        Assert.True(code == 0, "npm install failed: " + output);
    }

    private static async Task<(int, string)> Run(string file, string directory, params string[] arguments)
    {
        var start = new ProcessStartInfo(file) { WorkingDirectory = directory, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments) start.ArgumentList.Add(argument);
        using var process = Process.Start(start)!;
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromMinutes(2));
        return (process.ExitCode, await output + await error);
    }
}
