using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Farm.Core.Tests.Oci.TestRegistry;

/// <summary>Forwarding one request upstream and writing the answer back, both streaming.</summary>
internal sealed partial class FaultProxy
{
    /// <summary>Headers that belong to one connection, or that the proxy frames itself.</summary>
    private static readonly HashSet<string> NotForwarded = new(StringComparer.OrdinalIgnoreCase)
    {
        "Host", "Connection", "Keep-Alive", "Proxy-Connection", "TE", "Trailer", "Transfer-Encoding", "Upgrade", "Expect", "Content-Length",
    };

    /// <summary>False when the connection must end afterwards.</summary>
    private async Task<bool> ForwardAsync(NetworkStream client, RequestHead head, RequestBodyStream body, bool corrupt, CancellationToken ct)
    {
        using var request = new HttpRequestMessage(new HttpMethod(head.Method), new Uri(_upstreamOrigin + head.Target));
        if (body.Present)
        {
            request.Content = new StreamContent(body);
            request.Content.Headers.ContentLength = body.DeclaredLength;
        }

        foreach (var (name, value) in head.Headers.Where(h => !NotForwarded.Contains(h.Key)))
        {
            if (!request.Headers.TryAddWithoutValidation(name, value))
            {
                request.Content?.Headers.TryAddWithoutValidation(name, value);
            }
        }

        HttpResponseMessage response;
        try
        {
            response = await _upstream.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, ct);
        }
        catch (HttpRequestException e)
        {
            var failure = new CannedResponse(
                (int)HttpStatusCode.BadGateway, Encoding.UTF8.GetBytes($"fault proxy: {_upstreamOrigin} did not answer: {e.Message}"), "text/plain");
            Record(head, failure.Status);
            await WriteCannedAsync(client, head, failure, ct);
            return false;
        }

        using (response)
        {
            var status = (int)response.StatusCode;
            Record(head, status);
            var length = response.Content.Headers.ContentLength;
            var hasBody = head.Method != "HEAD" && status is >= 200 and not 204 and not 304;
            var chunked = hasBody && length is null;

            var text = new StringBuilder().Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {status} {response.ReasonPhrase}\r\n");
            foreach (var (name, values) in response.Headers.Concat(response.Content.Headers))
            {
                if (NotForwarded.Contains(name))
                {
                    continue;
                }

                foreach (var value in values)
                {
                    var forwarded = name.Equals("Location", StringComparison.OrdinalIgnoreCase) ? PointAtProxy(value) : value;
                    text.Append(name).Append(": ").Append(forwarded).Append("\r\n");
                }
            }

            if (length is { } known)
            {
                text.Append(CultureInfo.InvariantCulture, $"Content-Length: {known}\r\n");
            }
            else if (chunked)
            {
                text.Append("Transfer-Encoding: chunked\r\n");
            }

            if (head.WantsClose)
            {
                text.Append("Connection: close\r\n");
            }

            await client.WriteAsync(Encoding.Latin1.GetBytes(text.Append("\r\n").ToString()), ct);
            if (hasBody)
            {
                var flipAt = corrupt ? (length is > 0 ? length.Value / 2 : 0) : -1;
                await using var upstreamBody = await response.Content.ReadAsStreamAsync(ct);
                await CopyBodyAsync(upstreamBody, client, chunked, flipAt, ct);
            }

            return !head.WantsClose;
        }
    }

    private static async Task CopyBodyAsync(Stream from, NetworkStream to, bool chunked, long flipAt, CancellationToken ct)
    {
        var buffer = new byte[64 * 1024];
        long offset = 0;
        int read;
        while ((read = await from.ReadAsync(buffer, ct)) > 0)
        {
            if (flipAt >= offset && flipAt < offset + read)
            {
                buffer[flipAt - offset] ^= 0xFF;
            }

            offset += read;
            if (chunked)
            {
                await to.WriteAsync(Encoding.ASCII.GetBytes($"{read:x}\r\n"), ct);
                await to.WriteAsync(buffer.AsMemory(0, read), ct);
                await to.WriteAsync("\r\n"u8.ToArray(), ct);
            }
            else
            {
                await to.WriteAsync(buffer.AsMemory(0, read), ct);
            }
        }

        if (chunked)
        {
            await to.WriteAsync("0\r\n\r\n"u8.ToArray(), ct);
        }
    }

    private static async Task WriteCannedAsync(NetworkStream client, RequestHead head, CannedResponse canned, CancellationToken ct)
    {
        using var reason = new HttpResponseMessage((HttpStatusCode)canned.Status);
        var text = new StringBuilder()
            .Append(CultureInfo.InvariantCulture, $"HTTP/1.1 {canned.Status} {reason.ReasonPhrase}\r\n")
            .Append("Docker-Distribution-Api-Version: registry/2.0\r\n")
            .Append("Content-Type: ").Append(canned.ContentType).Append("\r\n")
            .Append(CultureInfo.InvariantCulture, $"Content-Length: {canned.Body.Length}\r\n");
        if (head.WantsClose)
        {
            text.Append("Connection: close\r\n");
        }

        await client.WriteAsync(Encoding.Latin1.GetBytes(text.Append("\r\n").ToString()), ct);
        if (head.Method != "HEAD")
        {
            await client.WriteAsync(canned.Body, ct);
        }
    }

    /// <summary>The registry answers with absolute URLs on its own host; the client must keep talking to the proxy.</summary>
    private string PointAtProxy(string location)
    {
        if (location.StartsWith(_upstreamOrigin, StringComparison.OrdinalIgnoreCase)
            && (location.Length == _upstreamOrigin.Length || location[_upstreamOrigin.Length] is '/' or '?' or '#'))
        {
            return BaseUrl.GetLeftPart(UriPartial.Authority) + location[_upstreamOrigin.Length..];
        }

        return location;
    }
}
