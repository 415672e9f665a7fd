using System.Net;
using System.Net.Sockets;
using Microsoft.AspNetCore.Http;

namespace Farm.Http;

/// <summary>
/// Who a request comes from, for rate limits: the connection's address, or its /64 for IPv6 (one host holds a whole
/// /64, and would otherwise get a fresh limit per address). X-Forwarded-For is not read: anyone can write it.
/// </summary>
internal static class RemoteAddress
{
    public static string Of(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var address = context.Connection.RemoteIpAddress;
        if (address is null)
        {
            return "unknown";
        }

        if (address.IsIPv4MappedToIPv6)
        {
            address = address.MapToIPv4();
        }

        if (address.AddressFamily != AddressFamily.InterNetworkV6 || IPAddress.IsLoopback(address))
        {
            return address.ToString();
        }

        var bytes = address.GetAddressBytes();
        Array.Clear(bytes, 8, 8);
        return $"{new IPAddress(bytes)}/64";
    }
}
