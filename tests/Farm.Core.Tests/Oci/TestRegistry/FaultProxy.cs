using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Farm.Core.Tests.Oci.TestRegistry;

/// <summary>
/// An HTTP/1.1 reverse proxy on a free 127.0.0.1 port in front of a registry, streaming both ways, that records every
/// request and injects the faults tests queue: error answers, reset connections, corrupted or replaced responses.
/// Fault rules match on (method, path without query); the first rule added that matches and has times left applies.
/// </summary>
internal sealed partial class FaultProxy : IAsyncDisposable
{
    private static readonly byte[] InjectedError = Encoding.UTF8.GetBytes("""{"errors":[{"code":"UNKNOWN","message":"injected fault"}]}""");

    private readonly TcpListener _listener;
    private readonly string _upstreamOrigin;
    private readonly HttpClient _upstream;
    private readonly ProxyFaultRules _faults = new();
    private readonly Lock _gate = new();
    private readonly List<ProxiedRequest> _requests = [];
    private readonly ConcurrentDictionary<TcpClient, Task> _connections = new();
    private readonly CancellationTokenSource _stopping = new();
    private readonly Task _accepting;

    private FaultProxy(TcpListener listener, Uri upstream)
    {
        _listener = listener;
        _upstreamOrigin = upstream.GetLeftPart(UriPartial.Authority);
        var handler = Loopback.CreateHandler();
        _upstream = new HttpClient(handler, disposeHandler: true) { Timeout = Timeout.InfiniteTimeSpan };
        Host = $"127.0.0.1:{((IPEndPoint)listener.LocalEndpoint).Port}";
        BaseUrl = new Uri($"http://{Host}");
        _accepting = AcceptAsync();
    }

    public string Host { get; }

    public Uri BaseUrl { get; }

    /// <summary>A snapshot of every request seen so far, in the order their answers were decided.</summary>
    public IReadOnlyList<ProxiedRequest> Requests
    {
        get
        {
            lock (_gate)
            {
                return [.. _requests];
            }
        }
    }

    /// <param name="upstream">The registry, e.g. <see cref="RegistryServer.BaseUrl"/>; must be a loopback address.</param>
    public static Task<FaultProxy> StartAsync(Uri upstream, CancellationToken ct = default)
    {
        ArgumentNullException.ThrowIfNull(upstream);
        if (!upstream.IsLoopback || upstream.Scheme != Uri.UriSchemeHttp)
        {
            throw new ArgumentException($"the fault proxy forwards to http://127.0.0.1 only, not {upstream}", nameof(upstream));
        }

        ct.ThrowIfCancellationRequested();
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return Task.FromResult(new FaultProxy(listener, upstream));
    }

    /// <summary>Forget the requests seen so far (the faults queued stay).</summary>
    public void ClearRequests()
    {
        lock (_gate)
        {
            _requests.Clear();
        }
    }

    /// <summary>The next <paramref name="times"/> matching requests get <paramref name="status"/> and a registry-style error body, unforwarded.</summary>
    public void FailNext(Func<(string Method, string Path), bool> match, int times, int status = 500) =>
        _faults.Add(match, times, new CannedResponse(status, InjectedError, "application/json; charset=utf-8"));

    /// <summary>
    /// The next <paramref name="times"/> matching requests lose their connection after the proxy read
    /// <paramref name="afterRequestBodyBytes"/> bytes of their body, and are not forwarded. The close is a reset, not
    /// a FIN: HttpClient then throws HttpRequestException (inner IOException, "Connection reset by peer"), also on a
    /// reused pooled connection, and does not retry by itself.
    /// </summary>
    public void DropConnectionNext(Func<(string Method, string Path), bool> match, int times, long afterRequestBodyBytes = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterRequestBodyBytes);
        _faults.Add(match, times, new DroppedConnection(afterRequestBodyBytes));
    }

    /// <summary>
    /// The next <paramref name="times"/> matching requests are forwarded, and one byte of the response body (the middle
    /// one when the length is known, else the first) is inverted. An answer without a body passes unchanged.
    /// </summary>
    public void CorruptNextResponse(Func<(string Method, string Path), bool> match, int times) =>
        _faults.Add(match, times, new CorruptedResponse());

    /// <summary>
    /// The next <paramref name="times"/> matching requests are read whole and never answered nor forwarded: the
    /// connection stays open until the client gives up or the proxy stops.
    /// </summary>
    public void HangNext(Func<(string Method, string Path), bool> match, int times) =>
        _faults.Add(match, times, new Unanswered());

    /// <summary>The next <paramref name="times"/> matching requests get this answer instead, unforwarded.</summary>
    public void ReplaceNextResponse(Func<(string Method, string Path), bool> match, int times, int status, string body, string contentType) =>
        _faults.Add(match, times, new CannedResponse(status, Encoding.UTF8.GetBytes(body), contentType));

    public async ValueTask DisposeAsync()
    {
        await _stopping.CancelAsync();
        _listener.Stop();
        await _accepting;
        foreach (var client in _connections.Keys)
        {
            client.Dispose();
        }

        await Task.WhenAll(_connections.Values);
        _upstream.Dispose();
        _stopping.Dispose();
    }

    public override string ToString() => $"fault proxy at {BaseUrl} for {_upstreamOrigin}";

    private async Task AcceptAsync()
    {
        while (true)
        {
            TcpClient client;
            try
            {
                client = await _listener.AcceptTcpClientAsync(_stopping.Token);
            }
            // A connection accepted just before DisposeAsync comes back here after the listener stopped: that is
            // InvalidOperationException ("Not listening"), also a stop.
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException or InvalidOperationException)
            {
                return;
            }

            client.NoDelay = true;
            // Registered before it runs, so DisposeAsync closes and awaits every connection it could find.
            var start = new TaskCompletionSource();
            _connections[client] = ServeConnectionAsync(client, start.Task);
            start.SetResult();
        }
    }

    private async Task ServeConnectionAsync(TcpClient client, Task registered)
    {
        await registered.ConfigureAwait(ConfigureAwaitOptions.ForceYielding);
        var ct = _stopping.Token;
        try
        {
            var stream = client.GetStream();
            var reader = new HttpConnectionReader(stream);
            while (await RequestHead.ReadAsync(reader, ct) is { } head)
            {
                if (!await ServeRequestAsync(client, stream, reader, head, ct))
                {
                    return;
                }
            }
        }
        catch (Exception e) when (e is IOException or SocketException or OperationCanceledException or ObjectDisposedException
            or InvalidDataException or FormatException or OverflowException)
        {
            // The client went away, sent something that is not HTTP/1.1, or the proxy is stopping: end this connection.
        }
        finally
        {
            client.Dispose();
            _connections.TryRemove(client, out _);
        }
    }

    /// <summary>Answers one request; false when the connection must end afterwards.</summary>
    private async Task<bool> ServeRequestAsync(TcpClient client, NetworkStream stream, HttpConnectionReader reader, RequestHead head, CancellationToken ct)
    {
        using var body = RequestBodyStream.For(head, reader);
        if (head.Header("Expect") is { } expect && expect.Equals("100-continue", StringComparison.OrdinalIgnoreCase))
        {
            await stream.WriteAsync("HTTP/1.1 100 Continue\r\n\r\n"u8.ToArray(), ct);
        }

        switch (_faults.Take(head.Method, head.Path))
        {
            case DroppedConnection drop:
                await body.SkipAsync(drop.AfterRequestBodyBytes, ct);
                Record(head, 0);
                // Linger 0: close with a reset, so the client cannot mistake it for a complete empty answer.
                client.Client.LingerState = new LingerOption(enable: true, seconds: 0);
                client.Client.Close();
                return false;
            case Unanswered:
                await body.DrainAsync(ct);
                Record(head, 0);
                await Task.Delay(Timeout.Infinite, ct);
                return false;
            case CannedResponse canned:
                await body.DrainAsync(ct);
                Record(head, canned.Status);
                await WriteCannedAsync(stream, head, canned, ct);
                return !head.WantsClose;
            case var fault:
                var keepAlive = await ForwardAsync(stream, head, body, corrupt: fault is CorruptedResponse, ct);
                if (keepAlive && !body.IsComplete)
                {
                    await body.DrainAsync(ct);
                }

                return keepAlive;
        }
    }

    private void Record(RequestHead head, int status)
    {
        lock (_gate)
        {
            _requests.Add(new ProxiedRequest(head.Method, head.Target, status));
        }
    }
}
