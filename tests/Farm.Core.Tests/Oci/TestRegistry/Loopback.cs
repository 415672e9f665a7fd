using System.Net;
using System.Net.Sockets;

namespace Farm.Core.Tests.Oci.TestRegistry;

/// <summary>Ports and HTTP clients for 127.0.0.1 only: the test servers never listen on, or talk to, anything else.</summary>
internal static class Loopback
{
    /// <summary>
    /// A port that was free a moment ago (the kernel's pick for 127.0.0.1:0). Someone else may take it before the
    /// caller binds it, so callers retry with a new port when their bind fails.
    /// </summary>
    public static int PickFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    /// <summary>
    /// An HttpClient that never uses a proxy from the environment (HTTP_PROXY would take loopback traffic elsewhere)
    /// and never follows redirects, so tests see exactly what the server answered.
    /// </summary>
    public static HttpClient CreateHttpClient(TimeSpan? timeout = null) =>
        new(CreateHandler(), disposeHandler: true) { Timeout = timeout ?? TimeSpan.FromSeconds(30) };

    public static SocketsHttpHandler CreateHandler() => new()
    {
        UseProxy = false,
        AllowAutoRedirect = false,
        UseCookies = false,
        AutomaticDecompression = DecompressionMethods.None,
    };
}
