using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using Amazon.Runtime;
using Amazon.SQS;
using Amazon.SQS.Model;
using Webhooks.Delivery.Destinations;
using Webhooks.Tests.OpenApi;

namespace Webhooks.Tests.Infrastructure;

/// <summary>
/// A local SQS endpoint: the npm package fauxqs (installed once per machine into a temporary folder), run with node on a
/// free port of 127.0.0.1. Its queues live in memory: a restart (after <see cref="Kill"/>) starts empty.
/// </summary>
public sealed class FauxqsServer : IAsyncLifetime
{
    public const string Region = "us-east-1";
    public const string AccessKeyId = "AKIAWEBHOOKSTESTS000";
    public const string SecretAccessKey = "fauxqs-accepts-any-secret";

    private static readonly NodePackage Package = new("fauxqs", "1.9.2");
    private static readonly ConcurrentDictionary<FauxqsServer, byte> Running = new();
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _process;

    static FauxqsServer()
    {
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { foreach (var server in Running.Keys) server.Kill(); };
    }

    public int Port { get; private set; }
    public string ServiceUrl => $"http://127.0.0.1:{Port}";
    public AmazonSQSClient Client { get; private set; } = default!;

    public async Task InitializeAsync()
    {
        await Package.InstallAsync();
        Port = FreePort();
        Client = SqsClients.Create(Region, ServiceUrl, new BasicAWSCredentials(AccessKeyId, SecretAccessKey));
        Running[this] = 0;
        await StartAsync();
    }

    /// <summary>Starts the server (again, after <see cref="Kill"/>, on the same port and empty) and waits until it answers.</summary>
    public async Task StartAsync()
    {
        var start = new ProcessStartInfo("node", [Path.Combine(Package.Folder, "node_modules", "fauxqs", "dist", "cli.js")])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = Package.Folder,
        };
        start.Environment["FAUXQS_PORT"] = Port.ToString();
        start.Environment["FAUXQS_HOST"] = "127.0.0.1";
        start.Environment["FAUXQS_LOGGER"] = "false";
        _process = Process.Start(start)!;
        _process.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        _process.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited) throw new InvalidOperationException($"fauxqs exited with code {_process.ExitCode}:\n{string.Join('\n', _output)}");
            try
            {
                if ((await http.GetAsync($"{ServiceUrl}/health")).IsSuccessStatusCode) return;
            }
            catch (HttpRequestException) { }
            catch (TaskCanceledException) { }
            await Task.Delay(100);
        }
        throw new TimeoutException($"fauxqs did not answer within 30 seconds:\n{string.Join('\n', _output)}");
    }

    public void Kill()
    {
        if (_process is null || _process.HasExited) return;
        _process.Kill(entireProcessTree: true);
        _process.WaitForExit();
    }

    /// <summary>A new queue (name unique to the call); answers its URL.</summary>
    public async Task<string> CreateQueueAsync(string? name = null, Dictionary<string, string>? attributes = null)
    {
        var created = await Client.CreateQueueAsync(new CreateQueueRequest
        {
            QueueName = name ?? "wh-" + Guid.NewGuid().ToString("N")[..8],
            Attributes = attributes ?? [],
        });
        return created.QueueUrl;
    }

    public async Task<string> QueueArnAsync(string queueUrl) =>
        (await Client.GetQueueAttributesAsync(new GetQueueAttributesRequest { QueueUrl = queueUrl, AttributeNames = ["QueueArn"] })).QueueARN;

    /// <summary>Receives (and deletes) until <paramref name="count"/> messages have come, with every attribute.</summary>
    public async Task<List<Message>> WaitForMessagesAsync(string queueUrl, int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        var messages = new List<Message>();
        while (messages.Count < count)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{queueUrl} gave {messages.Count} messages, not {count}.");
            var received = await Client.ReceiveMessageAsync(new ReceiveMessageRequest
            {
                QueueUrl = queueUrl, MaxNumberOfMessages = 10, WaitTimeSeconds = 1, MessageAttributeNames = ["All"], MessageSystemAttributeNames = ["All"],
            });
            foreach (var message in received.Messages ?? [])
            {
                messages.Add(message);
                await Client.DeleteMessageAsync(queueUrl, message.ReceiptHandle);
            }
        }
        return messages;
    }

    public async Task<int> CountAsync(string queueUrl)
    {
        var attributes = await Client.GetQueueAttributesAsync(new GetQueueAttributesRequest
        {
            QueueUrl = queueUrl, AttributeNames = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"],
        });
        return attributes.ApproximateNumberOfMessages + attributes.ApproximateNumberOfMessagesNotVisible;
    }

    public Task DisposeAsync()
    {
        Running.TryRemove(this, out _);
        Kill();
        Client?.Dispose();
        return Task.CompletedTask;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
