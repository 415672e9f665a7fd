using System.Net;
using System.Net.Http.Headers;
using System.Text;

namespace Farm.Core.Tests.Oci.TestRegistry;

public sealed class FaultProxyTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static bool IsV2Root((string Method, string Path) request) => request.Path == "/v2/";

    [Fact]
    public async Task GetV2_Forwarded_200AndRecorded()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        using var http = Loopback.CreateHttpClient();

        using var response = await http.GetAsync(new Uri(proxy.BaseUrl, "/v2/"), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("{}", await response.Content.ReadAsStringAsync(Ct));
        Assert.Equal("registry/2.0", Assert.Single(response.Headers.GetValues("Docker-Distribution-Api-Version")));
        Assert.Equal(new ProxiedRequest("GET", "/v2/", 200), Assert.Single(proxy.Requests));
        Assert.NotEqual(registry.Host, proxy.Host);
    }

    [Fact]
    public async Task FailNext_Twice_TwoInjectedErrorsThenForwarded()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        using var http = Loopback.CreateHttpClient();
        proxy.FailNext(IsV2Root, times: 2, status: 503);

        var statuses = new List<HttpStatusCode>();
        string? firstBody = null;
        for (var i = 0; i < 3; i++)
        {
            using var response = await http.GetAsync(new Uri(proxy.BaseUrl, "/v2/"), Ct);
            statuses.Add(response.StatusCode);
            firstBody ??= await response.Content.ReadAsStringAsync(Ct);
        }

        Assert.Equal([HttpStatusCode.ServiceUnavailable, HttpStatusCode.ServiceUnavailable, HttpStatusCode.OK], statuses);
        Assert.Equal("""{"errors":[{"code":"UNKNOWN","message":"injected fault"}]}""", firstBody);
        Assert.Equal([503, 503, 200], proxy.Requests.Select(r => r.StatusCode));
    }

    [Fact]
    public async Task FailNext_UploadPut_NotForwardedSoNothingStored()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        using var http = Loopback.CreateHttpClient();
        byte[] content = [7, 8, 9];
        proxy.FailNext(r => r.Method == "PUT", times: 1);

        await Assert.ThrowsAnyAsync<Exception>(() => RegistryHttp.PushBlobAsync(http, proxy.BaseUrl, "team/app", content, Ct));
        using var head = await RegistryHttp.HeadBlobAsync(http, registry.BaseUrl, "team/app", RegistryHttp.DigestOf(content), Ct);

        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.Equal(["POST 202", "PUT 500"], proxy.Requests.Select(r => $"{r.Method} {r.StatusCode}"));
    }

    [Fact]
    public async Task FailNext_OtherPath_NotAffected()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        using var http = Loopback.CreateHttpClient();
        proxy.FailNext(r => r.Method == "HEAD", times: 1);

        using var response = await http.GetAsync(new Uri(proxy.BaseUrl, "/v2/"), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task DropConnectionNext_Get_ClientSeesConnectionError()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        using var http = Loopback.CreateHttpClient();
        proxy.DropConnectionNext(IsV2Root, times: 1);

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(new Uri(proxy.BaseUrl, "/v2/"), Ct));
        using var after = await http.GetAsync(new Uri(proxy.BaseUrl, "/v2/"), Ct);

        Assert.Null(error.StatusCode);
        Assert.Equal(HttpStatusCode.OK, after.StatusCode);
        Assert.Equal([0, 200], proxy.Requests.Select(r => r.StatusCode));
    }

    [Fact]
    public async Task DropConnectionNext_AfterBodyBytes_UploadFailsAndNothingStored()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        using var http = Loopback.CreateHttpClient();
        var content = new byte[256 * 1024];
        Random.Shared.NextBytes(content);
        proxy.DropConnectionNext(r => r.Method == "PUT", times: 1, afterRequestBodyBytes: 1000);

        var error = await Assert.ThrowsAnyAsync<Exception>(() => RegistryHttp.PushBlobAsync(http, proxy.BaseUrl, "team/app", content, Ct));
        using var head = await RegistryHttp.HeadBlobAsync(http, proxy.BaseUrl, "team/app", RegistryHttp.DigestOf(content), Ct);

        Assert.True(error is HttpRequestException or IOException, error.ToString());
        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
        Assert.Equal(["POST 202", "PUT 0", "HEAD 404"], proxy.Requests.Select(r => $"{r.Method} {r.StatusCode}"));
    }

    [Fact]
    public async Task StartUpload_ThroughProxy_LocationPointsAtProxy()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        using var http = Loopback.CreateHttpClient();

        using var response = await RegistryHttp.StartUploadAsync(http, proxy.BaseUrl, "x", Ct);

        Assert.Equal(HttpStatusCode.Accepted, response.StatusCode);
        var location = response.Headers.Location!;
        Assert.True(location.IsAbsoluteUri, location.ToString());
        Assert.Equal(proxy.Host, location.Authority);
        Assert.StartsWith("/v2/x/blobs/uploads/", location.AbsolutePath, StringComparison.Ordinal);
        Assert.Contains("_state=", location.Query, StringComparison.Ordinal);
    }

    [Fact]
    public async Task PushBlob_ThroughProxy_StoredAndUploadStepsCounted()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        using var http = Loopback.CreateHttpClient();
        var content = new byte[3 * 1024 * 1024 + 17];
        Random.Shared.NextBytes(content);

        var digest = await RegistryHttp.PushBlobAsync(http, proxy.BaseUrl, "team/app", content, Ct);
        using var head = await RegistryHttp.HeadBlobAsync(http, proxy.BaseUrl, "team/app", digest, Ct);
        var fetched = await http.GetByteArrayAsync(new Uri(registry.BaseUrl, $"/v2/team/app/blobs/{digest}"), Ct);

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(content.Length, head.Content.Headers.ContentLength);
        Assert.Equal(content, fetched);
        Assert.Equal(2, proxy.Requests.Count(r => r.IsBlobUpload));
        Assert.Equal(1, proxy.Requests.Count(r => r.Method == "HEAD"));
    }

    [Fact]
    public async Task PushBlob_ChunkedRequestBodyThroughProxy_Stored()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        using var http = Loopback.CreateHttpClient();
        var content = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("chunk of a layer ", 5000)));

        using var started = await RegistryHttp.StartUploadAsync(http, proxy.BaseUrl, "team/app", Ct);
        var digest = RegistryHttp.DigestOf(content);
        // A stream of unknown length makes HttpClient send Transfer-Encoding: chunked.
        using var body = new StreamContent(new UnknownLengthStream(content));
        body.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        using var patched = await http.PatchAsync(started.Headers.Location, body, Ct);
        using var finished = await http.PutAsync(new Uri(patched.Headers.Location + "&digest=" + Uri.EscapeDataString(digest)), content: null, Ct);

        Assert.Equal(HttpStatusCode.Accepted, patched.StatusCode);
        Assert.True(finished.StatusCode == HttpStatusCode.Created, registry.Log);
        Assert.Equal(content, await http.GetByteArrayAsync(new Uri(proxy.BaseUrl, $"/v2/team/app/blobs/{digest}"), Ct));
    }

    [Fact]
    public async Task CorruptNextResponse_BlobGet_OneByteDiffersThenClean()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        using var http = Loopback.CreateHttpClient();
        var content = Encoding.UTF8.GetBytes("{\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}");
        var digest = await RegistryHttp.PushBlobAsync(http, registry.BaseUrl, "team/app", content, Ct);
        proxy.CorruptNextResponse(r => r.Method == "GET" && r.Path.Contains("/blobs/", StringComparison.Ordinal), times: 1);

        var corrupted = await http.GetByteArrayAsync(new Uri(proxy.BaseUrl, $"/v2/team/app/blobs/{digest}"), Ct);
        var clean = await http.GetByteArrayAsync(new Uri(proxy.BaseUrl, $"/v2/team/app/blobs/{digest}"), Ct);

        Assert.Equal(content.Length, corrupted.Length);
        Assert.Single(Enumerable.Range(0, content.Length), i => content[i] != corrupted[i]);
        Assert.NotEqual(digest, RegistryHttp.DigestOf(corrupted));
        Assert.Equal(content, clean);
    }

    [Fact]
    public async Task ReplaceNextResponse_Head_GivenStatusNoBodyAndNotForwarded()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        using var http = Loopback.CreateHttpClient();
        var digest = await RegistryHttp.PushBlobAsync(http, registry.BaseUrl, "team/app", [1, 2, 3], Ct);
        proxy.ReplaceNextResponse(r => r.Method == "HEAD", times: 1, status: 404, body: "{\"errors\":[{\"code\":\"BLOB_UNKNOWN\"}]}", "application/json");

        using var replaced = await RegistryHttp.HeadBlobAsync(http, proxy.BaseUrl, "team/app", digest, Ct);
        using var real = await RegistryHttp.HeadBlobAsync(http, proxy.BaseUrl, "team/app", digest, Ct);

        Assert.Equal(HttpStatusCode.NotFound, replaced.StatusCode);
        Assert.Equal(HttpStatusCode.OK, real.StatusCode);
        Assert.Equal(3, real.Content.Headers.ContentLength);
    }

    [Fact]
    public async Task ReplaceNextResponse_Get_GivenBodyAndContentType()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        using var http = Loopback.CreateHttpClient();
        proxy.ReplaceNextResponse(IsV2Root, times: 1, status: 200, body: "not json", "text/plain");

        using var response = await http.GetAsync(new Uri(proxy.BaseUrl, "/v2/"), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("not json", await response.Content.ReadAsStringAsync(Ct));
    }

    [Fact]
    public async Task BlobUpload_TokenModeThroughProxy_AuthorizationForwarded()
    {
        await using var tokens = await TokenServer.StartAsync("builder", "s3cret", ct: Ct);
        await using var registry = await RegistryServer.StartAsync(new RegistryServerOptions { TokenAuth = tokens }, Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        using var http = Loopback.CreateHttpClient();
        using var tokenRequest = new HttpRequestMessage(HttpMethod.Get, new Uri(tokens.Realm + "?service=test-registry&scope=repository:team/app:pull,push"));
        tokenRequest.Headers.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String("builder:s3cret"u8.ToArray()));
        using var tokenResponse = await http.SendAsync(tokenRequest, Ct);
        using var json = System.Text.Json.JsonDocument.Parse(await tokenResponse.Content.ReadAsStringAsync(Ct));
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", json.RootElement.GetProperty("token").GetString());

        var digest = await RegistryHttp.PushBlobAsync(http, proxy.BaseUrl, "team/app", [4, 5, 6], Ct);

        Assert.Equal(["POST 202", "PUT 201"], proxy.Requests.Select(r => $"{r.Method} {r.StatusCode}"));
        Assert.StartsWith("sha256:", digest, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_UpstreamAnswersChunked_BodyArrivesWholeAndCorruptFlipsFirstByte()
    {
        var content = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat("streamed without a length. ", 4000)));
        await using var upstream = await ChunkedUpstream.StartAsync(content);
        await using var proxy = await FaultProxy.StartAsync(upstream.BaseUrl, Ct);
        using var http = Loopback.CreateHttpClient();

        using var whole = await http.GetAsync(new Uri(proxy.BaseUrl, "/anything"), Ct);
        proxy.CorruptNextResponse(_ => true, times: 1);
        var corrupted = await http.GetByteArrayAsync(new Uri(proxy.BaseUrl, "/anything"), Ct);

        Assert.True(whole.Headers.TransferEncodingChunked);
        Assert.Equal(content, await whole.Content.ReadAsByteArrayAsync(Ct));
        Assert.Equal(content[0] ^ 0xFF, corrupted[0]);
        Assert.Equal(content.AsSpan(1).ToArray(), corrupted.AsSpan(1).ToArray());
    }

    [Fact]
    public async Task StartAsync_UpstreamNotLoopback_Refused()
    {
        await Assert.ThrowsAsync<ArgumentException>(() => FaultProxy.StartAsync(new Uri("http://192.0.2.1:5000"), Ct));
    }

    /// <summary>Hides its length, so HttpClient has to send it chunked.</summary>
    private sealed class UnknownLengthStream(byte[] content) : MemoryStream(content)
    {
        public override bool CanSeek => false;
    }
}
