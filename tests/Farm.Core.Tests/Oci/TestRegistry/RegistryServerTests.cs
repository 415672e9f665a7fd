using System.Net;
using System.Text;

namespace Farm.Core.Tests.Oci.TestRegistry;

public sealed class RegistryServerTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task StartAsync_NoOptions_AnswersV2With200OnLoopback()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        using var http = Loopback.CreateHttpClient();

        using var response = await http.GetAsync(new Uri(registry.BaseUrl, "/v2/"), Ct);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.StartsWith("127.0.0.1:", registry.Host, StringComparison.Ordinal);
        Assert.Equal("http://" + registry.Host + "/", registry.BaseUrl.ToString());
        Assert.Equal("registry/2.0", Assert.Single(response.Headers.GetValues("Docker-Distribution-Api-Version")));
    }

    [Fact]
    public async Task PushBlob_MonolithicPostThenPut_HeadGives200WithLength()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        using var http = Loopback.CreateHttpClient();
        var content = Encoding.UTF8.GetBytes("a layer, or close enough: " + Guid.NewGuid());

        var digest = await RegistryHttp.PushBlobAsync(http, registry.BaseUrl, "team/app", content, Ct);
        using var head = await RegistryHttp.HeadBlobAsync(http, registry.BaseUrl, "team/app", digest, Ct);

        Assert.Equal(HttpStatusCode.OK, head.StatusCode);
        Assert.Equal(content.Length, head.Content.Headers.ContentLength);
        Assert.Equal(digest, Assert.Single(head.Headers.GetValues("Docker-Content-Digest")));
        Assert.True(Directory.Exists(Path.Combine(registry.StorageDirectory, "docker", "registry", "v2", "blobs")), registry.Log);
    }

    [Fact]
    public async Task HeadBlob_NeverPushed_Gives404()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        using var http = Loopback.CreateHttpClient();

        using var head = await RegistryHttp.HeadBlobAsync(http, registry.BaseUrl, "team/app", RegistryHttp.DigestOf([1, 2, 3]), Ct);

        Assert.Equal(HttpStatusCode.NotFound, head.StatusCode);
    }

    [Fact]
    public async Task StartAsync_Twice_TwoRegistriesWithSeparateStorage()
    {
        await using var first = await RegistryServer.StartAsync(ct: Ct);
        await using var second = await RegistryServer.StartAsync(ct: Ct);

        Assert.NotEqual(first.Host, second.Host);
        Assert.NotEqual(first.StorageDirectory, second.StorageDirectory);
    }

    [Fact]
    public async Task DisposeAsync_Started_StopsAnsweringAndDeletesStorage()
    {
        var registry = await RegistryServer.StartAsync(ct: Ct);
        var storage = registry.StorageDirectory;
        var v2 = new Uri(registry.BaseUrl, "/v2/");

        await registry.DisposeAsync();

        Assert.False(Directory.Exists(storage));
        using var http = Loopback.CreateHttpClient();
        await Assert.ThrowsAsync<HttpRequestException>(() => http.GetAsync(v2, Ct));
    }

    [Fact]
    public async Task Log_AfterRequests_HoldsTheAccessLog()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        using var http = Loopback.CreateHttpClient();

        using var _ = await http.GetAsync(new Uri(registry.BaseUrl, "/v2/no/such/manifests/latest"), Ct);

        const string line = "\"GET /v2/no/such/manifests/latest HTTP/1.1\" 404";
        Assert.Contains(line, await LogOnceItHoldsAsync(registry, line), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_LogLevelInfo_LogSaysWhereItListens()
    {
        await using var registry = await RegistryServer.StartAsync(new RegistryServerOptions { LogLevel = "info" }, Ct);

        Assert.Contains($"listening on {registry.Host}", await LogOnceItHoldsAsync(registry, $"listening on {registry.Host}"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task StartAsync_UnknownLogLevel_Refused()
    {
        var error = await Assert.ThrowsAsync<ArgumentException>(() => RegistryServer.StartAsync(new RegistryServerOptions { LogLevel = "verbose" }, Ct));

        Assert.Contains("verbose", error.Message, StringComparison.Ordinal);
    }

    /// <summary>
    /// The registry's output reaches us through a pipe, after the response that caused it, and a line may arrive in
    /// pieces: wait up to 10 s for the whole text asked for.
    /// </summary>
    private static async Task<string> LogOnceItHoldsAsync(RegistryServer registry, string text)
    {
        for (var i = 0; i < 500 && !registry.Log.Contains(text, StringComparison.Ordinal); i++)
        {
            await Task.Delay(20, Ct);
        }

        return registry.Log;
    }
}
