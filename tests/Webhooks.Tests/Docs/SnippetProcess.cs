using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.Sockets;
using Webhooks.Tests.Infrastructure;
using Webhooks.Tests.OpenApi;

namespace Webhooks.Tests.Docs;

/// <summary>
/// One of the receivers in docs/receiving, run as its header says (dotnet run, node, python3) on a port of 127.0.0.1,
/// with what it prints kept line by line.
/// </summary>
public sealed class SnippetProcess : IAsyncDisposable
{
    public static readonly string Folder = Path.Combine(WebhooksApp.RepositoryRoot, "docs", "receiving");
    private static readonly NodePackage StandardWebhooks = new("standardwebhooks", "1.1.1");

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _lines = new();

    private SnippetProcess(Process process, int port)
    {
        _process = process;
        Port = port;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _lines.Enqueue(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    public int Port { get; }
    public string Url => $"http://127.0.0.1:{Port}/webhooks";
    public IReadOnlyList<string> Lines => _lines.ToList();

    /// <summary>Starts <paramref name="file"/> with the subscription's secret; answers once it accepts connections.</summary>
    public static async Task<SnippetProcess> StartAsync(string file, string secret, int port)
    {
        var start = await CommandFor(file);
        start.RedirectStandardOutput = true;
        start.RedirectStandardError = true;
        start.UseShellExecute = false;
        start.Environment["WEBHOOK_SECRET"] = secret;
        start.Environment["PORT"] = port.ToString();
        var snippet = new SnippetProcess(Process.Start(start)!, port);
        // dotnet run builds the file first, which takes a while on a busy machine.
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (true)
        {
            if (snippet._process.HasExited)
                throw new InvalidOperationException($"{file} exited with code {snippet._process.ExitCode}:\n{string.Join('\n', snippet.Lines)}");
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync("127.0.0.1", port);
                return snippet;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline)
            {
                await Task.Delay(200);
            }
        }
    }

    /// <summary>Waits until the snippet has printed <paramref name="line"/>.</summary>
    public Task WaitForLine(string line) => WaitUntil(() => _lines.Contains(line), $"print '{line}'");

    /// <summary>
    /// Waits until the snippet has printed <paramref name="count"/> lines starting with <paramref name="prefix"/>: a line it
    /// logs while answering reaches the pipe after its answer reaches the client.
    /// </summary>
    public Task WaitForLinesStartingWith(string prefix, int count) =>
        WaitUntil(() => Lines.Count(l => l.StartsWith(prefix)) >= count, $"print {count} lines starting '{prefix}'");

    private async Task WaitUntil(Func<bool> printed, string what)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!printed())
        {
            Assert.True(DateTime.UtcNow < deadline, $"The receiver did not {what}. It printed:\n{string.Join('\n', Lines)}");
            await Task.Delay(50);
        }
    }

    private static async Task<ProcessStartInfo> CommandFor(string file)
    {
        switch (Path.GetExtension(file))
        {
            case ".cs":
                return new ProcessStartInfo("dotnet", ["run", file]) { WorkingDirectory = Folder };
            case ".py":
                return new ProcessStartInfo("python3", [file]) { WorkingDirectory = Folder };
            case ".mjs":
                // An ES module finds its packages beside it: run a copy in the folder that standardwebhooks is installed in.
                await StandardWebhooks.InstallAsync();
                var copy = Path.Combine(StandardWebhooks.Folder, $"receiver-{Guid.NewGuid():N}.mjs");
                File.Copy(Path.Combine(Folder, file), copy);
                return new ProcessStartInfo("node", [copy]) { WorkingDirectory = StandardWebhooks.Folder };
            default:
                throw new ArgumentException($"No way to run {file}.", nameof(file));
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited) _process.Kill(entireProcessTree: true);
        await _process.WaitForExitAsync();
        _process.Dispose();
    }
}
