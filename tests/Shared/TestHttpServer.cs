using System.Net;
using System.Net.Sockets;

namespace Farm.Tests.Support;

/// <summary>
/// A small HTTP server on a free 127.0.0.1 port for tests that play a remote party (a token server, an OIDC issuer,
/// a runner's ID-token endpoint, a chunked upstream): the listener loop, the port retry and the bounded shutdown,
/// once. Each request goes to the test's answer; the response is closed after it, and a client that goes away
/// mid-answer is ignored.
/// </summary>
public sealed class TestHttpServer : IAsyncDisposable
{
    private const int StartAttempts = 5;

    private readonly HttpListener _listener;
    private readonly Func<HttpListenerContext, Task> _answer;
    private readonly Task _serving;

    private TestHttpServer(HttpListener listener, int port, Func<HttpListenerContext, Task> answer)
    {
        _listener = listener;
        _answer = answer;
        Port = port;
        BaseUrl = new Uri($"http://127.0.0.1:{port}/");
        _serving = Task.Run(ServeAsync);
    }

    public int Port { get; }

    /// <summary><c>http://127.0.0.1:PORT/</c>.</summary>
    public Uri BaseUrl { get; }

    public static TestHttpServer Start(Func<HttpListenerContext, Task> answer)
    {
        ArgumentNullException.ThrowIfNull(answer);
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var listener = new HttpListener();
            listener.Prefixes.Add($"http://127.0.0.1:{port}/");
            try
            {
                listener.Start();
                return new TestHttpServer(listener, port, answer);
            }
            catch (HttpListenerException) when (attempt < StartAttempts)
            {
                listener.Close(); // The port was taken after we picked it.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Close();
        // Close does not always end a pending GetContextAsync (the managed listener can miss it): wait a little, then
        // leave the loop behind; the listener is closed either way.
        try
        {
            await _serving.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
        }
    }

    private async Task ServeAsync()
    {
        while (true)
        {
            HttpListenerContext context;
            try
            {
                context = await _listener.GetContextAsync();
            }
            catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
            {
                return; // Closed by DisposeAsync.
            }

            try
            {
                await _answer(context);
                context.Response.Close();
            }
            catch (Exception e) when (e is HttpListenerException or IOException or ObjectDisposedException)
            {
                // The client went away mid-answer.
            }
        }
    }

    private static int FreePort()
    {
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        return ((IPEndPoint)probe.LocalEndpoint).Port;
    }
}
