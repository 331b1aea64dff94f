using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using RabbitMQ.Client;

namespace Webhooks.Tests.Infrastructure;

/// <summary>
/// A private RabbitMQ node started from the machine's rabbitmq-server (Debian's package) with everything in a temporary
/// folder: its own Erlang cookie, data, logs, free ports on 127.0.0.1 and an epmd of its own. A test class shares one
/// (start-up takes 8 to 15 seconds); it can be killed (SIGKILL) and started again on the same data and port.
/// </summary>
public sealed class RabbitMqNode : IAsyncLifetime
{
    public const string ServerScript = "/usr/lib/rabbitmq/bin/rabbitmq-server";

    private static readonly ConcurrentDictionary<RabbitMqNode, byte> Running = new();
    private readonly string _root = Path.Combine(Path.GetTempPath(), "wh-rabbit-" + Guid.NewGuid().ToString("N")[..8]);
    private readonly ConcurrentQueue<string> _output = new();
    private Process? _node, _epmd;
    private int _epmdPort, _distributionPort;

    static RabbitMqNode()
    {
        // A test run that ends abruptly still takes its nodes down.
        AppDomain.CurrentDomain.ProcessExit += (_, _) => { foreach (var node in Running.Keys) node.Remove(); };
    }

    public int Port { get; private set; }
    /// <summary>The guest user, which RabbitMQ allows from loopback only; the default virtual host.</summary>
    public string Uri => $"amqp://guest:guest@127.0.0.1:{Port}/";
    public string Output => string.Join('\n', _output.TakeLast(60));

    public async Task InitializeAsync()
    {
        if (!File.Exists(ServerScript))
            throw new InvalidOperationException($"{ServerScript} is missing: install Debian's rabbitmq-server (bash .ci/test does).");
        Port = FreePort();
        _distributionPort = FreePort();
        _epmdPort = FreePort();
        var home = Path.Combine(_root, "home");
        Directory.CreateDirectory(home);
        var cookie = Path.Combine(home, ".erlang.cookie");
        await File.WriteAllTextAsync(cookie, Guid.NewGuid().ToString("N").ToUpperInvariant());
        if (!OperatingSystem.IsWindows()) File.SetUnixFileMode(cookie, UnixFileMode.UserRead);
        await File.WriteAllTextAsync(Path.Combine(_root, "enabled_plugins"), "[].");
        await File.WriteAllTextAsync(Path.Combine(_root, "rabbitmq.conf"), """
            log.console = false
            log.file.level = warning
            disk_free_limit.absolute = 10MB
            """);
        Running[this] = 0;
        _epmd = Process.Start(new ProcessStartInfo("epmd", ["-port", _epmdPort.ToString(), "-address", "127.0.0.1"])
        {
            RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false,
        })!;
        await StartAsync();
    }

    /// <summary>Starts the node (again, after <see cref="Kill"/>: same data, same port) and waits until it takes connections.</summary>
    public async Task StartAsync()
    {
        var start = new ProcessStartInfo(ServerScript) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var (key, value) in Environment()) start.Environment[key] = value;
        _node = Process.Start(start)!;
        _node.OutputDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        _node.ErrorDataReceived += (_, e) => { if (e.Data is not null) _output.Enqueue(e.Data); };
        _node.BeginOutputReadLine();
        _node.BeginErrorReadLine();
        // A node boots in 8-15 s on a quiet machine; one CI run under load (load average near 40 on 2 cores) took over 90 s.
        // The bound only turns a node that never starts into a failure, so it is generous and arbitrary.
        var deadline = DateTime.UtcNow.AddSeconds(240);
        while (DateTime.UtcNow < deadline)
        {
            if (_node.HasExited) throw new InvalidOperationException($"RabbitMQ exited with code {_node.ExitCode} while starting:\n{Output}");
            try
            {
                await using var connection = await new ConnectionFactory { Uri = new Uri(Uri) }.CreateConnectionAsync();
                return;
            }
            catch (Exception) { await Task.Delay(250); }
        }
        throw new TimeoutException($"RabbitMQ did not take connections within 240 seconds:\n{Output}");
    }

    private string NodeName => $"wh{Port}@localhost";

    /// <summary>The node's environment: everything under the temporary folder, on 127.0.0.1, with its own epmd.</summary>
    private Dictionary<string, string> Environment() => new()
    {
        ["HOME"] = Path.Combine(_root, "home"),
        ["RABBITMQ_NODENAME"] = NodeName,
        ["RABBITMQ_NODE_IP_ADDRESS"] = "127.0.0.1",
        ["RABBITMQ_NODE_PORT"] = Port.ToString(),
        ["RABBITMQ_DIST_PORT"] = _distributionPort.ToString(),
        ["RABBITMQ_MNESIA_BASE"] = Path.Combine(_root, "mnesia"),
        ["RABBITMQ_LOG_BASE"] = Path.Combine(_root, "log"),
        ["RABBITMQ_CONFIG_FILE"] = Path.Combine(_root, "rabbitmq.conf"),
        ["RABBITMQ_ENABLED_PLUGINS_FILE"] = Path.Combine(_root, "enabled_plugins"),
        ["RABBITMQ_PID_FILE"] = Path.Combine(_root, "rabbitmq.pid"),
        ["ERL_EPMD_ADDRESS"] = "127.0.0.1",
        ["ERL_EPMD_PORT"] = _epmdPort.ToString(),
    };

    /// <summary>
    /// kill -9 of the node: no shutdown runs; the messages it confirmed are on disk, declarations only after
    /// <see cref="SyncMetadataAsync"/>.
    /// </summary>
    public void Kill()
    {
        if (_node is null || _node.HasExited) return;
        _node.Kill(entireProcessTree: true);
        _node.WaitForExit();
    }

    public async Task<IConnection> ConnectAsync() => await new ConnectionFactory { Uri = new Uri(Uri) }.CreateConnectionAsync();

    /// <summary>Declares a durable queue bound to a new direct exchange; answers (exchange, queue).</summary>
    public async Task<(string Exchange, string Queue)> DeclareAsync(string routingKey = "webhooks", IDictionary<string, object?>? queueArguments = null)
    {
        var name = "wh-" + Guid.NewGuid().ToString("N")[..8];
        await using var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        await channel.ExchangeDeclareAsync(name, ExchangeType.Direct, durable: true);
        await channel.QueueDeclareAsync(name, durable: true, exclusive: false, autoDelete: false, arguments: queueArguments);
        await channel.QueueBindAsync(name, name, routingKey);
        return (name, name);
    }

    /// <summary>
    /// Writes the node's metadata log (exchanges, queues, bindings) to disk now. The node answers a declaration before its
    /// metadata database has written it, so a kill -9 moments later can lose it: one restart test found its queue back,
    /// with its messages, but not the queue's binding to the exchange (every publish returned unroutable).
    /// </summary>
    public async Task SyncMetadataAsync()
    {
        var (code, output, error) = await CtlAsync("eval", "mnesia:sync_log().");
        if (code != 0 || !output.Contains("ok")) throw new InvalidOperationException($"Syncing the node's metadata log failed ({code}): {output}{error}");
    }

    /// <summary>Takes every message now in the queue (acknowledged), in order.</summary>
    public async Task<List<BasicGetResult>> DrainAsync(string queue)
    {
        await using var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        var messages = new List<BasicGetResult>();
        while (await channel.BasicGetAsync(queue, autoAck: true) is { } message) messages.Add(message);
        return messages;
    }

    /// <summary>Polls the queue until it holds at least <paramref name="count"/> messages, and takes them all.</summary>
    public async Task<List<BasicGetResult>> WaitForMessagesAsync(string queue, int count, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(30));
        var messages = new List<BasicGetResult>();
        while (messages.Count < count)
        {
            messages.AddRange(await DrainAsync(queue));
            if (messages.Count >= count) break;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{queue} holds {messages.Count} messages, not {count}.");
            await Task.Delay(100);
        }
        return messages;
    }

    /// <summary>Publishes persistent messages to the queue (through the default exchange), each confirmed by the broker.</summary>
    public async Task PublishAsync(string queue, IEnumerable<(string? MessageId, byte[] Body)> messages, string? contentType = "application/json")
    {
        await using var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
        foreach (var chunk in messages.Chunk(200))
            await Task.WhenAll(chunk.Select(async m =>
            {
                var properties = new BasicProperties { Persistent = true, MessageId = m.MessageId, ContentType = contentType };
                await channel.BasicPublishAsync("", queue, mandatory: true, properties, m.Body);
            }));
    }

    /// <summary>
    /// Waits until the queue holds nothing: no message ready and none delivered but unacknowledged (asked of rabbitmqctl,
    /// since AMQP tells only the ready ones).
    /// </summary>
    public async Task WaitUntilSettledAsync(string queue, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (await CountAsync(queue) > 0)
        {
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{queue} still has ready messages.");
            await Task.Delay(100);
        }
        while (true)
        {
            var (code, output, error) = await CtlAsync("list_queues", "-q", "--no-table-headers", "name", "messages_ready", "messages_unacknowledged");
            Assert.True(code == 0, $"rabbitmqctl failed: {output}{error}");
            var line = output.Split('\n').Select(l => l.Split('\t')).FirstOrDefault(f => f[0] == queue)
                ?? throw new InvalidOperationException($"rabbitmqctl does not list {queue}: {output}");
            if (line[1].Trim() == "0" && line[2].Trim() == "0") return;
            if (DateTime.UtcNow > deadline) throw new TimeoutException($"{queue}: {line[1]} ready, {line[2]} unacknowledged.");
            await Task.Delay(500);
        }
    }

    /// <summary>
    /// Waits until the broker confirms a publish to the exchange again after a restart (the probe message stays in the
    /// bound queue): taking a connection, which <see cref="StartAsync"/> waits for, may come before the node has
    /// recovered its durable exchanges and queues.
    /// </summary>
    public async Task WaitUntilPublishableAsync(string exchange, string routingKey, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(60));
        while (true)
        {
            try
            {
                await using var connection = await ConnectAsync();
                await using var channel = await connection.CreateChannelAsync(new CreateChannelOptions(publisherConfirmationsEnabled: true, publisherConfirmationTrackingEnabled: true));
                await channel.BasicPublishAsync(exchange, routingKey, mandatory: true, new BasicProperties { Persistent = true, MessageId = "probe" }, "{}"u8.ToArray());
                return;
            }
            catch (Exception) when (DateTime.UtcNow < deadline) { await Task.Delay(100); }
        }
    }

    /// <summary>For a failing test's message: the node's queues (with their state) and bindings, and its log's last lines.</summary>
    public async Task<string> DescribeAsync()
    {
        async Task<string> Ctl(params string[] args)
        {
            var (code, output, error) = await CtlAsync(args);
            return code == 0 ? output.Trim() : $"rabbitmqctl failed ({code}): {output}{error}";
        }
        var log = Path.Combine(_root, "log", NodeName + ".log");
        var tail = File.Exists(log) ? string.Join('\n', (await File.ReadAllLinesAsync(log)).TakeLast(40)) : "(no log file)";
        return $"Queues (name, state, messages):\n{await Ctl("list_queues", "-q", "name", "state", "messages")}\n" +
            $"Bindings:\n{await Ctl("list_bindings", "-q")}\nThe node's log:\n{tail}";
    }

    /// <summary>Runs rabbitmqctl against this node.</summary>
    private Task<(int ExitCode, string Output, string Error)> CtlAsync(params string[] arguments) =>
        ExternalProcess.RunAsync("/usr/lib/rabbitmq/bin/rabbitmqctl", _root, TimeSpan.FromSeconds(60), Environment(), ["-n", NodeName, .. arguments]);

    public async Task<uint> CountAsync(string queue)
    {
        await using var connection = await ConnectAsync();
        await using var channel = await connection.CreateChannelAsync();
        return (await channel.QueueDeclarePassiveAsync(queue)).MessageCount;
    }

    public Task DisposeAsync()
    {
        Remove();
        return Task.CompletedTask;
    }

    private void Remove()
    {
        if (!Running.TryRemove(this, out _)) return;
        Kill();
        if (_epmd is { HasExited: false }) _epmd.Kill();
        try { Directory.Delete(_root, recursive: true); } catch (IOException) { } catch (UnauthorizedAccessException) { }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
