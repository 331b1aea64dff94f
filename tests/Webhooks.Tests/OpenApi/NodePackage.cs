using Webhooks.Tests.Infrastructure;

namespace Webhooks.Tests.OpenApi;

/// <summary>An npm package installed once per machine into a temporary folder of its own (by name and version), and node run with it.</summary>
public sealed class NodePackage(string name, string version)
{
    public string Folder { get; } = Path.Combine(Path.GetTempPath(), $"webhooks-tests-{name.Replace('@', '_').Replace('/', '_')}-{version}");

    public async Task InstallAsync()
    {
        if (File.Exists(Path.Combine(Folder, "node_modules", name, "package.json"))) return;
        // Installed beside the final folder and moved into place, so that test runs in parallel never see half an install.
        var staging = $"{Folder}-{Guid.NewGuid():N}";
        Directory.CreateDirectory(staging);
        var (code, output, error) = await ExternalProcess.RunAsync("npm", staging, TimeSpan.FromMinutes(5), new Dictionary<string, string>(),
            "install", "--no-audit", "--no-fund", "--prefix", staging, $"{name}@{version}");
        Assert.True(code == 0, $"npm install {name}@{version} failed: {output}{error}");
        try { Directory.Move(staging, Folder); }
        catch (IOException) { Directory.Delete(staging, recursive: true); } // another run was first
    }
}
