using System.Text.Json;
using Webhooks.Tests.Infrastructure;
using Webhooks.Tests.OpenApi;

namespace Webhooks.Tests.CloudEvents;

/// <summary>Checks what a receiver got with the reference implementation of Standard Webhooks, the npm package standardwebhooks.</summary>
public static class StandardWebhooksVerifier
{
    private static readonly NodePackage Package = new("standardwebhooks", "1.1.1");

    private const string Script = """
        const { Webhook } = require("standardwebhooks");
        const cases = JSON.parse(require("fs").readFileSync(process.argv[2], "utf8"));
        console.log(JSON.stringify(cases.map(c => {
            try { new Webhook(c.secret).verify(c.body, c.headers); return "ok"; }
            catch (e) { return "rejected: " + e.message; }
        })));
        """;

    /// <summary>"ok" or "rejected: why", for each request as received, verified with the secret.</summary>
    public static async Task<string[]> VerifyAsync(string secret, IEnumerable<Received> requests)
    {
        await Package.InstallAsync();
        var cases = requests.Select(r => new
        {
            secret,
            body = r.Body,
            headers = new Dictionary<string, string>
            {
                ["webhook-id"] = r.Headers["webhook-id"],
                ["webhook-timestamp"] = r.Headers["webhook-timestamp"],
                ["webhook-signature"] = r.Headers["webhook-signature"],
            },
        });
        var input = Path.Combine(Path.GetTempPath(), $"webhooks-ce-cases-{Guid.NewGuid():N}.json");
        var script = Path.Combine(Package.Folder, $"verify-{Guid.NewGuid():N}.js");
        await File.WriteAllTextAsync(input, JsonSerializer.Serialize(cases));
        await File.WriteAllTextAsync(script, Script);
        try
        {
            var (code, output, error) = await ExternalProcess.RunAsync("node", Package.Folder, TimeSpan.FromMinutes(2), new Dictionary<string, string>(), script, input);
            Assert.True(code == 0, output + error);
            return JsonSerializer.Deserialize<string[]>(output.Trim().Split('\n')[^1])!;
        }
        finally
        {
            File.Delete(input);
            File.Delete(script);
        }
    }
}
