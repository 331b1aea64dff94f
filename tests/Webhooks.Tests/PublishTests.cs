using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Webhooks.Tests.Infrastructure;
using Xunit.Abstractions;

namespace Webhooks.Tests;

/// <summary>
/// The Dockerfile's publish step, run here (there is no Docker engine on this machine): the published
/// folder holds what the image needs and starts on its own, as the container's ENTRYPOINT and HEALTHCHECK run it.
/// </summary>
public sealed class PublishTests(PublishTests.Published published, ITestOutputHelper output) : IClassFixture<PublishTests.Published>
{
    public sealed class Published : IAsyncLifetime
    {
        public string Folder { get; } = Path.Combine(Path.GetTempPath(), "wh-publish-" + Guid.NewGuid().ToString("N")[..8]);
        public string Log { get; private set; } = "";

        public async Task InitializeAsync()
        {
            var publish = await DotnetProcess.RunAsync(["publish", "src/Webhooks", "-c", "Release", "-o", Folder, "--nologo"],
                WebhooksApp.RepositoryRoot, new Dictionary<string, string>(), TimeSpan.FromMinutes(5));
            Log = publish.Output;
            Assert.True(publish.ExitCode == 0, $"dotnet publish failed:\n{publish.Output}");
        }

        public Task DisposeAsync()
        {
            try { Directory.Delete(Folder, recursive: true); } catch (IOException) { }
            return Task.CompletedTask;
        }
    }

    [Fact]
    public void The_published_folder_holds_the_app_its_settings_and_its_static_files()
    {
        Assert.True(File.Exists(Path.Combine(published.Folder, "Webhooks.dll")));
        Assert.True(File.Exists(Path.Combine(published.Folder, "appsettings.json")));
        var staticFiles = Path.Combine(WebhooksApp.RepositoryRoot, "wwwroot");
        if (Directory.Exists(staticFiles))
            foreach (var file in Directory.GetFiles(staticFiles, "*", SearchOption.AllDirectories))
                Assert.True(File.Exists(Path.Combine(published.Folder, "wwwroot", Path.GetRelativePath(staticFiles, file))), $"{file} is not published");
    }

    [Fact]
    public async Task The_published_app_starts_answers_readyz_and_its_health_probe_and_stops_on_SIGTERM()
    {
        var port = FreePort();
        var address = $"http://127.0.0.1:{port}";
        await using var app = DotnetProcess.Start(["Webhooks.dll"], published.Folder, new Dictionary<string, string>
        {
            ["ConnectionStrings__Webhooks"] = await TestPostgres.CreateDatabaseAsync(),
            ["ASPNETCORE_URLS"] = address,
            ["Webhooks__Bootstrap__AdminApiKey"] = WebhooksApp.AdminKey,
            ["Webhooks__Bootstrap__AdminPassword"] = WebhooksApp.AdminPassword,
        });

        using var http = new HttpClient { BaseAddress = new Uri(address) };
        var ready = await WaitForReadyAsync(http, app, TimeSpan.FromSeconds(60));
        Assert.True(ready, $"/readyz did not answer 200:\n{app.Output}");

        var probe = await DotnetProcess.RunAsync(["Webhooks.dll", "healthcheck", $"{address}/healthz"], published.Folder, new Dictionary<string, string>(), TimeSpan.FromSeconds(30));
        Assert.True(probe.ExitCode == 0, probe.Output);

        app.Terminate();
        Assert.True(await app.WaitForExitAsync(TimeSpan.FromSeconds(30)), $"the app did not stop on SIGTERM:\n{app.Output}");
        output.WriteLine(app.Output);
        Assert.Equal(0, app.ExitCode);

        var probeWhenStopped = await DotnetProcess.RunAsync(["Webhooks.dll", "healthcheck", $"{address}/healthz"], published.Folder, new Dictionary<string, string>(), TimeSpan.FromSeconds(30));
        Assert.Equal(1, probeWhenStopped.ExitCode);
    }

    [Fact]
    public async Task The_published_app_refuses_to_start_with_a_bad_value_and_names_its_key()
    {
        var run = await DotnetProcess.RunAsync(["Webhooks.dll"], published.Folder, new Dictionary<string, string>
        {
            ["ConnectionStrings__Webhooks"] = await TestPostgres.CreateDatabaseAsync(),
            ["ASPNETCORE_URLS"] = $"http://127.0.0.1:{FreePort()}",
            ["Webhooks__Retention__Days"] = "0",
        }, TimeSpan.FromSeconds(60));

        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("Webhooks:Retention:Days", run.Output);
    }

    private static async Task<bool> WaitForReadyAsync(HttpClient http, DotnetProcess app, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline && !app.HasExited)
        {
            try
            {
                if ((await http.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK) return true;
            }
            catch (HttpRequestException) { }
            await Task.Delay(250);
        }
        return false;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>A <c>dotnet</c> child process with its output kept; killed on dispose if it still runs.</summary>
    private sealed class DotnetProcess : IAsyncDisposable
    {
        private readonly Process _process;
        private readonly StringBuilder _output = new();

        private DotnetProcess(Process process) => _process = process;

        public string Output { get { lock (_output) return _output.ToString(); } }
        public bool HasExited => _process.HasExited;
        public int ExitCode => _process.ExitCode;

        public static DotnetProcess Start(string[] arguments, string workingDirectory, IReadOnlyDictionary<string, string> environment)
        {
            var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
            {
                WorkingDirectory = workingDirectory,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            foreach (var argument in arguments) start.ArgumentList.Add(argument);
            // What `dotnet test` sets for its own build must not leak into the child's.
            foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("MSBuild", StringComparison.OrdinalIgnoreCase)).ToList())
                start.Environment.Remove(key);
            foreach (var (key, value) in environment) start.Environment[key] = value;
            var process = new Process { StartInfo = start };
            var app = new DotnetProcess(process);
            process.OutputDataReceived += (_, e) => app.Append(e.Data);
            process.ErrorDataReceived += (_, e) => app.Append(e.Data);
            process.Start();
            process.BeginOutputReadLine();
            process.BeginErrorReadLine();
            return app;
        }

        public static async Task<(int ExitCode, string Output)> RunAsync(
            string[] arguments, string workingDirectory, IReadOnlyDictionary<string, string> environment, TimeSpan timeout)
        {
            await using var run = Start(arguments, workingDirectory, environment);
            if (!await run.WaitForExitAsync(timeout)) return (-1, $"timed out after {timeout}:\n{run.Output}");
            return (run.ExitCode, run.Output);
        }

        /// <summary>SIGTERM, as <c>docker stop</c> sends it.</summary>
        public void Terminate() => Process.Start("kill", ["-TERM", _process.Id.ToString()])!.WaitForExit();

        public async Task<bool> WaitForExitAsync(TimeSpan timeout)
        {
            using var cancel = new CancellationTokenSource(timeout);
            try
            {
                await _process.WaitForExitAsync(cancel.Token);
                return true;
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        private void Append(string? line)
        {
            if (line is null) return;
            lock (_output) _output.AppendLine(line);
        }

        public async ValueTask DisposeAsync()
        {
            if (!_process.HasExited)
            {
                _process.Kill(entireProcessTree: true);
                await _process.WaitForExitAsync();
            }
            _process.Dispose();
        }
    }
}
