using System.IO.Compression;
using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.Client;

public sealed class PackageTests
{
    [Fact]
    public async Task The_client_packs_as_a_NuGet_package_with_its_readme_and_API_docs()
    {
        var output = Path.Combine(Path.GetTempPath(), "wh-pack-" + Guid.NewGuid().ToString("N")[..8]);
        try
        {
            var (code, stdout, stderr) = await ExternalProcess.RunAsync("dotnet", WebhooksApp.RepositoryRoot, TimeSpan.FromMinutes(5), new Dictionary<string, string>(),
                "pack", "src/Webhooks.Client", "-c", "Release", "-o", output, "--nologo");
            Assert.True(code == 0, $"dotnet pack failed:\n{stdout}\n{stderr}");

            using var package = ZipFile.OpenRead(Assert.Single(Directory.GetFiles(output, "Webhooks.Client.*.nupkg")));
            var entries = package.Entries.Select(e => e.FullName).ToList();
            Assert.Contains("lib/net10.0/Webhooks.Client.dll", entries);
            Assert.Contains("lib/net10.0/Webhooks.Client.xml", entries);
            Assert.Contains("README.md", entries);
        }
        finally
        {
            if (Directory.Exists(output)) Directory.Delete(output, recursive: true);
        }
    }
}
