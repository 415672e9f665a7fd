using System.Net;

namespace Farm.Core.Tests.Oci.TestRegistry;

/// <summary>
/// An HTTP upstream that answers every request with the same body, chunked, for the <see cref="FaultProxy"/>'s
/// tests: the registry itself always sends a Content-Length.
/// </summary>
internal sealed class ChunkedUpstream : IAsyncDisposable
{
    private readonly HttpListener _listener;
    private readonly Task _serving;

    private ChunkedUpstream(HttpListener listener, Uri baseUrl, byte[] content)
    {
        _listener = listener;
        BaseUrl = baseUrl;
        _serving = ServeAsync(content);
    }

    public Uri BaseUrl { get; }

    public static Task<ChunkedUpstream> StartAsync(byte[] content)
    {
        for (var attempt = 1; ; attempt++)
        {
            var baseUrl = new Uri($"http://127.0.0.1:{Loopback.PickFreePort()}/");
            var listener = new HttpListener();
            listener.Prefixes.Add(baseUrl.ToString());
            try
            {
                listener.Start();
                return Task.FromResult(new ChunkedUpstream(listener, baseUrl, content));
            }
            catch (HttpListenerException) when (attempt < 5)
            {
                listener.Close(); // The port was taken after we picked it.
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        _listener.Close();
        // Close does not always end a pending GetContextAsync (the managed listener can miss it): do not wait forever.
        try
        {
            await _serving.WaitAsync(TimeSpan.FromSeconds(5));
        }
        catch (TimeoutException)
        {
        }
    }

    private async Task ServeAsync(byte[] content)
    {
        try
        {
            while (true)
            {
                var context = await _listener.GetContextAsync();
                using var response = context.Response;
                response.SendChunked = true;
                for (var offset = 0; offset < content.Length; offset += 10_000)
                {
                    await response.OutputStream.WriteAsync(content.AsMemory(offset, Math.Min(10_000, content.Length - offset)));
                    await response.OutputStream.FlushAsync();
                }
            }
        }
        catch (Exception e) when (e is HttpListenerException or ObjectDisposedException or InvalidOperationException)
        {
            // Closed.
        }
    }
}
