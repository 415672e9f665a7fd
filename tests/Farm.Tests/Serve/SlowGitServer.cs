using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Farm.Tests.Serve;

/// <summary>
/// A git server that answers slowly, as a loaded forge does: <c>git daemon</c> on 127.0.0.1, behind a TCP proxy that
/// holds every connection for <see cref="Delay"/> before passing it on. Its URLs are <c>git://127.0.0.1:PORT/NAME</c>.
/// Started closed (<c>open: false</c>), it holds every connection until <see cref="Open"/>: what answers before that
/// did not wait for git, however loaded the machine.
/// </summary>
internal sealed class SlowGitServer : IAsyncDisposable
{
    private readonly Process _daemon;
    private readonly TcpListener _listener;
    private readonly int _daemonPort;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _accepting;
    private readonly TaskCompletionSource _opened = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _connections;

    private SlowGitServer(Process daemon, int daemonPort, TimeSpan delay, bool open)
    {
        if (open)
        {
            _opened.SetResult();
        }

        _daemon = daemon;
        _daemonPort = daemonPort;
        Delay = delay;
        _listener = new TcpListener(IPAddress.Loopback, 0);
        _listener.Start();
        _accepting = AcceptAsync();
    }

    public TimeSpan Delay { get; }

    public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

    /// <summary>The allow-list pattern admitting this server's repositories (<c>Farm__Sources__Allow__N</c>).</summary>
    public string AllowPattern => $"git://127.0.0.1:{Port}/*";

    /// <summary>Connections git opened through the proxy: each one waited <see cref="Delay"/>.</summary>
    public int Connections => Volatile.Read(ref _connections);

    /// <summary>Serves every repository under <paramref name="basePath"/> (read-only).</summary>
    public static async Task<SlowGitServer> StartAsync(string basePath, TimeSpan delay, CancellationToken ct, bool open = true)
    {
        int daemonPort;
        using (var probe = new TcpListener(IPAddress.Loopback, 0))
        {
            probe.Start();
            daemonPort = ((IPEndPoint)probe.LocalEndpoint).Port;
        }

        var info = new ProcessStartInfo("git") { RedirectStandardError = true, RedirectStandardOutput = true };
        foreach (var arg in new[] { "daemon", "--reuseaddr", "--listen=127.0.0.1", $"--port={daemonPort}", $"--base-path={basePath}", "--export-all", basePath })
        {
            info.ArgumentList.Add(arg);
        }

        var daemon = Process.Start(info)!;
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            try
            {
                using var client = new TcpClient();
                await client.ConnectAsync(IPAddress.Loopback, daemonPort, ct);
                break;
            }
            catch (SocketException) when (DateTime.UtcNow < deadline && !daemon.HasExited)
            {
                await Task.Delay(100, ct);
            }
        }

        return new SlowGitServer(daemon, daemonPort, delay, open);
    }

    public string Url(string repository) => $"git://127.0.0.1:{Port}/{repository}";

    /// <summary>Lets the held connections, and every later one, through (after <see cref="Delay"/> each).</summary>
    public void Open() => _opened.TrySetResult();

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        _listener.Stop();
        try
        {
            await _accepting;
        }
        catch (Exception ex) when (ex is OperationCanceledException or SocketException or ObjectDisposedException or InvalidOperationException)
        {
        }

        _daemon.Kill(entireProcessTree: true);
        await _daemon.WaitForExitAsync();
        _daemon.Dispose();
        _stop.Dispose();
    }

    private async Task AcceptAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            var client = await _listener.AcceptTcpClientAsync(_stop.Token);
            Interlocked.Increment(ref _connections);
            _ = ServeAsync(client);
        }
    }

    private async Task ServeAsync(TcpClient client)
    {
        using (client)
        {
            try
            {
                await _opened.Task.WaitAsync(_stop.Token);
                await Task.Delay(Delay, _stop.Token);
                using var upstream = new TcpClient();
                await upstream.ConnectAsync(IPAddress.Loopback, _daemonPort, _stop.Token);
                await Task.WhenAll(PumpAsync(client.GetStream(), upstream.GetStream(), upstream.Client), PumpAsync(upstream.GetStream(), client.GetStream(), client.Client));
            }
            catch (Exception ex) when (ex is OperationCanceledException or IOException or SocketException or ObjectDisposedException)
            {
                // The client or the daemon hung up: git reports what it missed.
            }
        }
    }

    private async Task PumpAsync(NetworkStream from, NetworkStream to, Socket toSocket)
    {
        await from.CopyToAsync(to, _stop.Token);
        toSocket.Shutdown(SocketShutdown.Send);
    }
}
