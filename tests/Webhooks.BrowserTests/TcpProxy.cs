using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace Webhooks.BrowserTests;

/// <summary>
/// A TCP forwarder on 127.0.0.1:0 in front of the app, standing for the network between a browser and the server:
/// <see cref="Cut"/> drops every open connection and refuses new ones (a load balancer restarting, Wi-Fi gone),
/// <see cref="Restore"/> lets connections through again.
/// </summary>
public sealed class TcpProxy : IAsyncDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly IPEndPoint _target;
    private readonly ConcurrentDictionary<TcpClient, TcpClient> _open = new();
    private readonly CancellationTokenSource _stop = new();
    private volatile bool _cut;

    public TcpProxy(Uri target)
    {
        _target = new IPEndPoint(IPAddress.Parse(target.Host), target.Port);
        _listener.Start();
        Url = $"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}";
        _ = AcceptAsync();
    }

    public string Url { get; }

    public void Cut()
    {
        _cut = true;
        foreach (var (client, server) in _open) { client.Dispose(); server.Dispose(); }
        _open.Clear();
    }

    public void Restore() => _cut = false;

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            TcpClient client;
            try { client = await _listener.AcceptTcpClientAsync(_stop.Token); }
            catch (Exception) { return; }
            if (_cut) { client.Dispose(); continue; }
            _ = ForwardAsync(client);
        }
    }

    private async Task ForwardAsync(TcpClient client)
    {
        var server = new TcpClient();
        // Listed before connecting, and dropped if a cut came meanwhile: a connection accepted just before a cut does not outlive it.
        _open[client] = server;
        try
        {
            await server.ConnectAsync(_target);
            if (_cut) return;
            await Task.WhenAny(
                client.GetStream().CopyToAsync(server.GetStream(), _stop.Token),
                server.GetStream().CopyToAsync(client.GetStream(), _stop.Token));
        }
        catch (Exception) { }
        finally
        {
            _open.TryRemove(client, out _);
            client.Dispose();
            server.Dispose();
        }
    }

    public ValueTask DisposeAsync()
    {
        _stop.Cancel();
        _listener.Stop();
        Cut();
        return ValueTask.CompletedTask;
    }
}
