using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;

namespace Webhooks.Tests.Infrastructure;

/// <summary>
/// The app as a process of its own (<c>dotnet Webhooks.dll</c> from the test output), the way it runs in
/// production, on a free port of 127.0.0.1; a test may kill it (SIGKILL) or stop it (SIGTERM).
/// </summary>
public sealed class AppProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly ConcurrentQueue<string> _output = new();

    private AppProcess(Process process, Uri address) => (_process, Address) = (process, address);

    public Uri Address { get; }
    public int Id => _process.Id;
    public bool HasExited => _process.HasExited;
    /// <summary>The CPU time the app has used so far.</summary>
    public TimeSpan CpuTime
    {
        get
        {
            _process.Refresh();
            return _process.TotalProcessorTime;
        }
    }
    /// <summary>Every line the app has written.</summary>
    public IReadOnlyCollection<string> Lines => _output;
    /// <summary>The last lines the app wrote, for failure messages.</summary>
    public string Output => string.Join('\n', _output.TakeLast(100));

    /// <summary>Settings for delivery tests: quick timeouts and leases, 127.0.0.0/8 allowed, workers on.</summary>
    public static Dictionary<string, string> DeliverySettings() => new()
    {
        ["Webhooks:Delivery:AllowHttp"] = "true",
        ["Webhooks:Delivery:AllowedNetworks:0"] = "127.0.0.0/8",
        ["Webhooks:Delivery:Timeout"] = "00:00:02",
        ["Webhooks:Workers:Lease"] = "00:00:05",
        ["Webhooks:Workers:PollInterval"] = "00:00:00.200",
        ["Webhooks:Workers:Enabled"] = "true",
        ["Logging:LogLevel:Default"] = "Warning",
        ["Logging:LogLevel:Webhooks"] = "Information",
    };

    public static async Task<AppProcess> StartAsync(string connectionString, IDictionary<string, string>? settings = null)
    {
        var port = FreePort();
        // The benchmark can measure another build of the app (WEBHOOKS_APP=/path/to/Webhooks.dll), e.g. the code before a change.
        var dll = Environment.GetEnvironmentVariable("WEBHOOKS_APP") is { Length: > 0 } other ? Path.GetFullPath(other) : Path.Combine(AppContext.BaseDirectory, "Webhooks.dll");
        var start = new ProcessStartInfo("dotnet", [dll])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["ConnectionStrings__Webhooks"] = connectionString;
        start.Environment["Webhooks__Bootstrap__AdminApiKey"] = TestCredentials.AdminKey;
        start.Environment["Webhooks__Bootstrap__AdminPassword"] = TestCredentials.AdminPassword;
        foreach (var (key, value) in settings ?? new Dictionary<string, string>())
            start.Environment[key.Replace(":", "__")] = value;
        var process = Process.Start(start)!;
        var app = new AppProcess(process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) app._output.Enqueue(e.Data); };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) app._output.Enqueue(e.Data); };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        await app.WaitUntilReadyAsync();
        return app;
    }

    public HttpClient Client(string? apiKey = TestCredentials.AdminKey)
    {
        var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(30) };
        if (apiKey is not null) client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        return client;
    }

    /// <summary>kill -9: no shutdown code runs. Returns once the process is gone.</summary>
    public void Kill()
    {
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>SIGTERM, as an orchestrator stops an instance, then waits for the process to end.</summary>
    public async Task StopAsync()
    {
        Terminate();
        await WaitForExitAsync();
    }

    /// <summary>SIGTERM without waiting: the app begins its graceful stop.</summary>
    public void Terminate() => Process.Start("kill", ["-TERM", _process.Id.ToString()])!.WaitForExit();

    public Task WaitForExitAsync() => _process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));

    /// <summary>Waits until the app has written a line containing the text; fails the test after the timeout.</summary>
    public async Task WaitForLine(string text, TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (!_output.Any(l => l.Contains(text, StringComparison.Ordinal)))
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"The app did not write \"{text}\" within {timeout}:\n{Output}");
            await Task.Delay(50);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }

    private async Task WaitUntilReadyAsync()
    {
        // Both bounds are arbitrary: on a loaded machine a fresh process can take long to start and to answer its first
        // request (one that consumes a queue from its first second competes for the cores), and a probe that gave up
        // after 2 s never saw it answer. They are generous, so that only an app that cannot start fails here.
        using var client = new HttpClient { BaseAddress = Address, Timeout = TimeSpan.FromSeconds(15) };
        var deadline = DateTime.UtcNow.AddSeconds(180);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"The app exited with code {_process.ExitCode} before it was ready:\n{Output}");
            try
            {
                if ((await client.GetAsync("/readyz")).StatusCode == HttpStatusCode.OK) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException($"The app did not become ready within 180 seconds:\n{Output}");
    }

    public static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
