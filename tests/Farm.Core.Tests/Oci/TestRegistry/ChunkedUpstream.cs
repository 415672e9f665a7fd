using System.Net;
using Farm.Tests.Support;

namespace Farm.Core.Tests.Oci.TestRegistry;

/// <summary>
/// An HTTP upstream that answers every request with the same body, chunked, for the <see cref="FaultProxy"/>'s
/// tests: the registry itself always sends a Content-Length.
/// </summary>
internal sealed class ChunkedUpstream : IAsyncDisposable
{
    private readonly TestHttpServer _server;

    private ChunkedUpstream(byte[] content) => _server = TestHttpServer.Start(context => AnswerAsync(context, content));

    public Uri BaseUrl => _server.BaseUrl;

    public static Task<ChunkedUpstream> StartAsync(byte[] content) => Task.FromResult(new ChunkedUpstream(content));

    public ValueTask DisposeAsync() => _server.DisposeAsync();

    private static async Task AnswerAsync(HttpListenerContext context, byte[] content)
    {
        var response = context.Response;
        response.SendChunked = true;
        for (var offset = 0; offset < content.Length; offset += 10_000)
        {
            await response.OutputStream.WriteAsync(content.AsMemory(offset, Math.Min(10_000, content.Length - offset)));
            await response.OutputStream.FlushAsync();
        }
    }
}
