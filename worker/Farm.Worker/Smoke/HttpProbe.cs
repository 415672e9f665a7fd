using System.Text;
using System.Text.RegularExpressions;

namespace Farm.Worker.Smoke;

/// <summary>
/// Asks a booted server over HTTP, as a user of it would: <c>GET /</c> on the host port forwarded to the guest's
/// <see cref="Port"/>, again every few hundred milliseconds until the answer (status line, headers, body) matches
/// <see cref="Expect"/> or the boot's time is up. Only 127.0.0.1, only the forwarded port, at most 64 KiB read.
/// </summary>
internal sealed record HttpProbe(int Port, Regex Expect)
{
    private const int MaxAnswer = 64 * 1024;
    private static readonly TimeSpan Retry = TimeSpan.FromMilliseconds(300);
    private static readonly TimeSpan PerRequest = TimeSpan.FromSeconds(3);

    public string Describe() => $"GET / on port {Port} answering /{Expect}/";

    /// <summary>The matching answer, or null when none came before <paramref name="cancellationToken"/>; <paramref name="last"/> gets the last answer or error.</summary>
    public async Task<string?> AskAsync(int hostPort, Action<string> last, CancellationToken cancellationToken)
    {
        using var client = new HttpClient(new SocketsHttpHandler { UseProxy = false, AllowAutoRedirect = false }) { Timeout = PerRequest };
        var url = new Uri($"http://127.0.0.1:{hostPort}/");
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                using var response = await client.GetAsync(url, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
                var answer = new StringBuilder($"HTTP/{response.Version} {(int)response.StatusCode} {response.ReasonPhrase}\n");
                foreach (var header in response.Headers.Concat(response.Content.Headers))
                {
                    answer.Append(header.Key).Append(": ").Append(string.Join(", ", header.Value)).Append('\n');
                }

                answer.Append('\n');
                await using var body = await response.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
                var buffer = new byte[MaxAnswer];
                var read = 0;
                int n;
                while (read < buffer.Length && (n = await body.ReadAsync(buffer.AsMemory(read), cancellationToken).ConfigureAwait(false)) > 0)
                {
                    read += n;
                }

                answer.Append(Encoding.UTF8.GetString(buffer, 0, read));
                var text = answer.ToString();
                last(text.Split('\n')[0]);
                if (Expect.IsMatch(text))
                {
                    return text;
                }
            }
            catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or IOException && !cancellationToken.IsCancellationRequested)
            {
                last(ex.Message);
            }
            catch (OperationCanceledException)
            {
                return null;
            }

            try
            {
                await Task.Delay(Retry, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                return null;
            }
        }

        return null;
    }
}
