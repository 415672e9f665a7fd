using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Core.Tests.Oci.TestRegistry;

namespace Farm.Core.Tests.Oci.Distribution;

/// <summary>
/// A registry that accepts a request and never answers: every wait ends, idempotent requests are retried, a tag's PUT
/// is not, and the error says what timed out. The limits are short here so that the tests are.
/// </summary>
public sealed class RegistryTimeoutTests
{
    private static readonly RegistryClientOptions Short = new()
    {
        Insecure = true,
        RetryBaseDelay = TimeSpan.FromMilliseconds(20),
        RequestTimeout = TimeSpan.FromSeconds(1),
        MaxAttempts = 3,
    };

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static RegistryRepository Open(FaultProxy proxy, RegistryClientOptions options) =>
        new(new RegistryClient(proxy.Host, options), "team/app");

    [Fact]
    public async Task GetManifest_RegistryNeverAnswers_FailsAfterEveryAttemptTimedOut()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        proxy.HangNext(r => r.Method == "GET", times: 100);

        var error = await Assert.ThrowsAsync<RegistryException>(() => Open(proxy, Short).TryGetManifestAsync("v1", Ct));

        Assert.Contains("no answer to GET /v2/team/app/manifests/v1 within 1 s (3 attempts)", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, proxy.Requests.Count(r => r.Method == "GET"));
    }

    [Fact]
    public async Task PutManifestByDigest_FirstAttemptUnanswered_IsRetriedAndStored()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        var bytes = """{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"""u8.ToArray();
        proxy.HangNext(r => r.Method == "PUT", times: 1);

        var digest = await Open(proxy, Short).PutManifestAsync(bytes, MediaTypes.ImageIndex, tag: null, Ct);

        Assert.Equal(2, proxy.Requests.Count(r => r.Method == "PUT"));
        Assert.Equal(digest, (await Open(proxy, Short).TryGetManifestAsync(digest.Value, Ct))!.Digest);
    }

    [Fact]
    public async Task PutManifestByTag_Unanswered_IsNotRepeated_AndTheTagStaysWhereItWas()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        var repository = Open(proxy, Short);
        var before = await repository.PutManifestAsync(Index("old"), MediaTypes.ImageIndex, "v1", Ct);
        proxy.HangNext(r => r.Method == "PUT" && r.Path.EndsWith("/manifests/v1", StringComparison.Ordinal), times: 100);

        var error = await Assert.ThrowsAsync<RegistryException>(() => repository.PutManifestAsync(Index("new"), MediaTypes.ImageIndex, "v1", Ct));

        Assert.Contains("no answer to PUT /v2/team/app/manifests/v1 within 1 s (1 attempt)", error.Message, StringComparison.Ordinal);
        Assert.Single(proxy.Requests, r => r.Method == "PUT" && r.Path.EndsWith("/manifests/v1", StringComparison.Ordinal) && r.StatusCode == 0);
        Assert.Equal(before, (await repository.TryGetManifestAsync("v1", Ct))!.Digest);
    }

    [Fact]
    public async Task PutManifestByTag_RegistryAnswers503Once_IsRepeated()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        proxy.FailNext(r => r.Method == "PUT" && r.Path.EndsWith("/manifests/v1", StringComparison.Ordinal), times: 1, status: 503);

        var digest = await Open(proxy, Short).PutManifestAsync(Index("new"), MediaTypes.ImageIndex, "v1", Ct);

        Assert.Equal(digest, (await Open(proxy, Short).TryGetManifestAsync("v1", Ct))!.Digest);
    }

    [Fact]
    public async Task AnyOperation_RetriesOutlastTheOperationDeadline_FailsAtTheDeadline()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        proxy.HangNext(r => r.Method == "HEAD", times: 100);
        var options = Short with { RequestTimeout = TimeSpan.FromMinutes(5), MaxAttempts = 10, OperationTimeout = TimeSpan.FromSeconds(2) };

        var error = await Assert.ThrowsAsync<RegistryException>(() => Open(proxy, options).BlobExistsAsync(Digest.Of([1]), Ct));

        Assert.Contains("no result within the operation's deadline of 2 s (1 attempt)", error.Message, StringComparison.Ordinal);
    }

    private static byte[] Index(string annotation) =>
        System.Text.Encoding.UTF8.GetBytes($$$"""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[],"annotations":{"note":"{{{annotation}}}"}}""");
}
