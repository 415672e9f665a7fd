using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using Farm.Tests.Support;

namespace Farm.Tests.Serve.Http;

/// <summary>
/// Attacks on a real <c>farm serve</c>'s HTTP edge, one per test, each failing if the attack works: bodies past the
/// limit, guessing tokens, flooding with a valid one, and probing routes. Every refusal must be JSON with its reason,
/// and the farm must go on serving.
/// </summary>
public sealed class FarmHttpTests(PostgresServer postgres) : IClassFixture<PostgresServer>, IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("farm-http-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public ValueTask InitializeAsync() => ValueTask.CompletedTask;

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_work, recursive: true);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task Upload_LargerThanTheSourcesLimit_Gets413JsonNamingTheSetting_AndTheFarmServesTheNextRequest()
    {
        // Above Kestrel's default 30 MB: the farm's own limit must be the one that applies.
        await using var farm = await FarmCluster.StartAsync(postgres, _work, Ct, ("Farm__Sources__MaxMegabytes", "48"));
        var random = new Random(42);
        var under = new byte[40 << 20];
        var over = new byte[50 << 20];
        random.NextBytes(under);
        random.NextBytes(over);

        var accepted = await farm.Http.PostAsync("/api/builds?image=127.0.0.1:5000/apps/x:v1", Tar(under), Ct);

        // A client that announces the size and waits for 100 Continue is refused before it sends the body.
        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/builds?image=127.0.0.1:5000/apps/x:v1") { Content = Tar(over), Headers = { ExpectContinue = true } };
        using var patient = farm.PatientClient();
        var announced = await patient.SendAsync(request, Ct);

        // One that streams gets the 413 as soon as the limit is passed; the farm then closes the connection.
        var streamed = await RawChunkedPostAsync(farm, "/api/builds?image=127.0.0.1:5000/apps/x:v1", "application/x-tar", 50 << 20);
        var json = await RawChunkedPostAsync(farm, "/api/builds", "application/json", 50 << 20);
        var next = await farm.Http.GetAsync("/api/workers", Ct);

        // Read whole (40 MB of noise is no tar), not cut off at 30 MB.
        Assert.Equal(HttpStatusCode.BadRequest, accepted.StatusCode);
        Assert.Equal("the uploaded source was refused", (await FarmCluster.JsonAsync(accepted, Ct)).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, announced.StatusCode);
        Assert.StartsWith("HTTP/1.1 413 ", streamed, StringComparison.Ordinal);
        Assert.StartsWith("HTTP/1.1 413 ", json, StringComparison.Ordinal);
        foreach (var refused in new[] { await announced.Content.ReadAsStringAsync(Ct), streamed, json })
        {
            var body = JsonDocument.Parse(refused[refused.IndexOf('{', StringComparison.Ordinal)..(refused.LastIndexOf('}') + 1)]).RootElement;
            Assert.Equal("the request body is larger than 48 MiB (Farm__Sources__MaxMegabytes)", body.GetProperty("error").GetString());
            Assert.Equal("Farm__Sources__MaxMegabytes", body.GetProperty("setting").GetString());
        }

        Assert.Equal(HttpStatusCode.OK, next.StatusCode);
        Assert.DoesNotContain("Exception", farm.FarmOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("fail:", farm.FarmOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Authentication_100FailuresFromOneAddress_Get429WithRetryAfter_AnotherAddressIsServed_TheLogHoldsNoToken()
    {
        await using var farm = await FarmCluster.StartAsync(postgres, _work, Ct);
        using var guesser = FromAddress(farm, "127.0.0.2");
        var guesses = Enumerable.Range(0, 100).Select(i => $"guess-{i:D3}-{Guid.NewGuid():N}").ToList();

        var answers = new List<HttpResponseMessage>();
        foreach (var guess in guesses)
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, "/api/workers") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", guess) } };
            answers.Add(await guesser.SendAsync(request, Ct));
        }

        using var rightTokenWrongAddress = new HttpRequestMessage(HttpMethod.Get, "/api/workers") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", FarmCluster.Token) } };
        var blocked = await guesser.SendAsync(rightTokenWrongAddress, Ct);
        var otherAddress = await farm.Http.GetAsync("/api/workers", Ct);

        Assert.Equal(Enumerable.Repeat(HttpStatusCode.Unauthorized, 20), answers.Take(20).Select(a => a.StatusCode));
        Assert.All(answers.Skip(20), a => Assert.Equal(HttpStatusCode.TooManyRequests, a.StatusCode));
        Assert.All(answers.Skip(20), a => Assert.True(a.Headers.RetryAfter?.Delta > TimeSpan.Zero, a.Headers.ToString()));
        var throttled = await FarmCluster.JsonAsync(answers[^1], Ct);
        Assert.Contains("Farm__RateLimits__FailedAuthenticationsPerMinute", throttled.GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Contains("API token", (await FarmCluster.JsonAsync(answers[0], Ct)).GetProperty("error").GetString(), StringComparison.Ordinal);

        // Blocked before the token is looked at: even the right one learns nothing from this address until the window ends.
        Assert.Equal(HttpStatusCode.TooManyRequests, blocked.StatusCode);
        Assert.Equal(HttpStatusCode.OK, otherAddress.StatusCode);
        Assert.Contains("Authentication failed from 127.0.0.2", farm.FarmOutput, StringComparison.Ordinal);
        Assert.All(guesses, g => Assert.DoesNotContain(g, farm.FarmOutput, StringComparison.Ordinal));
        Assert.DoesNotContain(FarmCluster.Token, farm.FarmOutput, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Api_FloodWithAValidToken_Gets429WithRetryAfter_AnotherTokenIsServed()
    {
        const string second = "second-token-0123456789";
        await using var farm = await FarmCluster.StartAsync(postgres, _work, Ct, ("Farm__ApiTokens__1", second), ("Farm__RateLimits__ApiPerMinute", "30"));

        var answers = new List<HttpResponseMessage>();
        for (var i = 0; i < 40; i++)
        {
            answers.Add(await farm.Http.GetAsync("/api/workers", Ct));
        }

        using var request = new HttpRequestMessage(HttpMethod.Get, "/api/workers") { Headers = { Authorization = new AuthenticationHeaderValue("Bearer", second) } };
        var other = await farm.Http.SendAsync(request, Ct);

        Assert.Equal(HttpStatusCode.OK, answers[0].StatusCode);
        var refused = answers.Last();
        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, refused.Headers.ToString());
        Assert.Contains("Farm__RateLimits__ApiPerMinute", (await FarmCluster.JsonAsync(refused, Ct)).GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.InRange(answers.Count(a => a.StatusCode == HttpStatusCode.OK), 30, 32);
        Assert.Equal(HttpStatusCode.OK, other.StatusCode);
    }

    [Fact]
    public async Task Probes_UnknownRouteWrongMethodNoToken_GetJsonReasons()
    {
        await using var farm = await FarmCluster.StartAsync(postgres, _work, Ct);
        using var anonymous = new HttpClient { BaseAddress = farm.Http.BaseAddress };

        var unknown = await farm.Http.GetAsync("/api/no-such-thing", Ct);
        var wrongMethod = await farm.Http.DeleteAsync("/api/builds/some-id", Ct);
        var noToken = await anonymous.GetAsync("/api/no-such-thing", Ct);
        var outside = await anonymous.GetAsync("/etc/passwd", Ct);
        var webhookOff = await anonymous.PostAsync("/api/github/webhooks", new StringContent("{}", Encoding.UTF8, "application/json"), Ct);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("no such route: GET /api/no-such-thing", (await FarmCluster.JsonAsync(unknown, Ct)).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.MethodNotAllowed, wrongMethod.StatusCode);
        Assert.StartsWith("DELETE is not allowed on /api/builds/some-id", (await FarmCluster.JsonAsync(wrongMethod, Ct)).GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, noToken.StatusCode);
        Assert.Contains("Bearer", (await FarmCluster.JsonAsync(noToken, Ct)).GetProperty("error").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, outside.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, webhookOff.StatusCode);
        Assert.All(new[] { unknown, wrongMethod, noToken, outside, webhookOff }, r => Assert.Equal("application/json", r.Content.Headers.ContentType?.MediaType));
    }

    /// <summary>A client whose connections leave from <paramref name="address"/> (any of 127.0.0.0/8 reaches the farm).</summary>
    private static HttpClient FromAddress(FarmCluster farm, string address) =>
        new(new SocketsHttpHandler
        {
            ConnectCallback = async (context, ct) =>
            {
                var socket = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
                try
                {
                    socket.Bind(new IPEndPoint(IPAddress.Parse(address), 0));
                    await socket.ConnectAsync(context.DnsEndPoint, ct);
                    return new NetworkStream(socket, ownsSocket: true);
                }
                catch
                {
                    socket.Dispose();
                    throw;
                }
            },
        })
        { BaseAddress = farm.Http.BaseAddress };

    private static ByteArrayContent Tar(byte[] bytes)
    {
        var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/x-tar");
        return content;
    }

    /// <summary>
    /// POSTs <paramref name="bytes"/> of noise chunked (no Content-Length: the size is found only while reading) on a raw
    /// connection, reading the answer while it writes, as a client that wants the early answer does; returns the raw
    /// response (HttpClient would report only its own failed write once the farm closes the connection).
    /// </summary>
    private static async Task<string> RawChunkedPostAsync(FarmCluster farm, string path, string contentType, int bytes)
    {
        using var tcp = new TcpClient();
        await tcp.ConnectAsync(farm.Http.BaseAddress!.Host, farm.Http.BaseAddress.Port, Ct);
        var stream = tcp.GetStream();
        var head = $"POST {path} HTTP/1.1\r\nHost: {farm.Http.BaseAddress.Authority}\r\nAuthorization: Bearer {FarmCluster.Token}\r\nContent-Type: {contentType}\r\nTransfer-Encoding: chunked\r\n\r\n";
        await stream.WriteAsync(Encoding.ASCII.GetBytes(head), Ct);
        var response = new MemoryStream();
        var reading = Task.Run(
            async () =>
            {
                var buffer = new byte[4096];
                try
                {
                    int read;
                    while ((read = await stream.ReadAsync(buffer, Ct)) > 0)
                    {
                        response.Write(buffer, 0, read);
                    }
                }
                catch (IOException)
                {
                }
            },
            Ct);
        var chunk = new byte[1 << 16];
        Random.Shared.NextBytes(chunk);
        var frame = Encoding.ASCII.GetBytes($"{chunk.Length:x}\r\n").Concat(chunk).Concat("\r\n"u8.ToArray()).ToArray();
        try
        {
            for (var sent = 0; sent < bytes && !reading.IsCompleted; sent += chunk.Length)
            {
                await stream.WriteAsync(frame, Ct);
            }

            await stream.WriteAsync("0\r\n\r\n"u8.ToArray(), Ct);
        }
        catch (IOException)
        {
        }

        await reading.WaitAsync(TimeSpan.FromSeconds(30), Ct);
        return Encoding.UTF8.GetString(response.ToArray());
    }
}
