using System.Net;
using System.Net.Sockets;

namespace Farm.Cache.Tests.Support;

internal static class Loopback
{
    /// <summary>A port nothing listens on right now (the OS picked it and we released it).</summary>
    public static int PickFreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
