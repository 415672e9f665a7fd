using System.Security.Cryptography;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Core.Oci.Packaging;
using Farm.Core.Tests.Oci.TestRegistry;

namespace Farm.Core.Tests.Oci.Distribution;

/// <summary>
/// The real registry behind a fault-injecting proxy: transient failures are retried, final ones are not, corrupt
/// answers are refused, and a failed publish never moves the tag.
/// </summary>
public sealed class RegistryFaultTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly RegistryClientOptions Fast = new() { Insecure = true, RetryBaseDelay = TimeSpan.FromMilliseconds(20) };

    private static RegistryRepository Open(FaultProxy proxy, RegistryClientOptions? options = null) =>
        new(new RegistryClient(proxy.Host, options ?? Fast), "team/app");

    [Fact]
    public async Task PushBlob_RegistryFailsTwiceWith500_SucceedsOnTheThirdTry()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        var blob = BlobSource.FromBytes(RandomNumberGenerator.GetBytes(10_000));
        proxy.FailNext(r => r.Method == "PUT" && r.Path.Contains("/blobs/uploads/", StringComparison.Ordinal), times: 2);

        Assert.True(await Open(proxy).PushBlobAsync(blob, Ct));

        Assert.Equal(3, proxy.Requests.Count(r => r.Method == "PUT"));
        Assert.Equal([500, 500, 201], proxy.Requests.Where(r => r.Method == "PUT").Select(r => r.StatusCode));
        Assert.Equal(blob.Open().ReadAllBytes(), await Open(proxy).GetBlobAsync(blob.Digest, Ct));
    }

    [Fact]
    public async Task PushBlob_ConnectionDroppedMidUpload_StartsANewUploadAndSucceeds()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        var content = RandomNumberGenerator.GetBytes(300_000);
        proxy.DropConnectionNext(r => r.Method == "PUT", times: 1, afterRequestBodyBytes: 100_000);

        Assert.True(await Open(proxy).PushBlobAsync(BlobSource.FromBytes(content), Ct));

        Assert.Equal(2, proxy.Requests.Count(r => r.Method == "POST"));
        Assert.Equal(content, await Open(proxy).GetBlobAsync(Digest.Of(content), Ct));
    }

    [Fact]
    public async Task PushBlob_ChunkedUploadDroppedMidChunk_IsRetriedWhole()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        var content = RandomNumberGenerator.GetBytes(1_500_000);
        proxy.DropConnectionNext(r => r.Method == "PATCH", times: 1, afterRequestBodyBytes: 1000);
        var options = Fast with { ChunkedUploadThreshold = 500_000, ChunkSize = 400_000 };

        Assert.True(await Open(proxy, options).PushBlobAsync(BlobSource.FromBytes(content), Ct));

        Assert.Equal(content, await Open(proxy).GetBlobAsync(Digest.Of(content), Ct));
    }

    [Fact]
    public async Task ClientError_IsNotRetried()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        proxy.ReplaceNextResponse(r => r.Method == "PUT" && r.Path.Contains("/manifests/", StringComparison.Ordinal), 5, 400, "{\"errors\":[{\"code\":\"MANIFEST_INVALID\",\"message\":\"manifest invalid\"}]}", "application/json");

        var error = await Assert.ThrowsAsync<RegistryException>(() => Open(proxy).PutManifestAsync([1, 2], MediaTypes.ImageManifest, "v1", Ct));

        Assert.Equal(("MANIFEST_INVALID", "manifest invalid"), (error.Code, error.Detail));
        Assert.Single(proxy.Requests, r => r.Method == "PUT");
    }

    [Fact]
    public async Task GetBlob_RegistrySendsOtherBytes_IsRefusedNamingBothDigests()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        var blob = BlobSource.FromBytes(RandomNumberGenerator.GetBytes(4096));
        await Open(proxy).PushBlobAsync(blob, Ct);
        proxy.CorruptNextResponse(r => r.Method == "GET" && r.Path.Contains("/blobs/", StringComparison.Ordinal), times: 1);

        var error = await Assert.ThrowsAsync<RegistryException>(() => Open(proxy).GetBlobAsync(blob.Digest, Ct));

        Assert.Contains($"the registry sent content for blob {blob.Digest} that hashes to sha256:", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task GetManifest_RegistrySendsOtherBytes_IsRefused()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        var (manifest, _) = await RegistryRepositoryTests.PushImageAsync(Open(proxy));
        var digest = await Open(proxy).PutManifestAsync(manifest, MediaTypes.ImageManifest, "v1", Ct);
        proxy.CorruptNextResponse(r => r.Method == "GET" && r.Path.Contains("/manifests/", StringComparison.Ordinal), times: 1);

        var error = await Assert.ThrowsAsync<RegistryException>(() => Open(proxy).TryGetManifestAsync(digest.Value, Ct));

        Assert.Contains("refusing it", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Publish_RegistryKeepsFailingOnTheTag_LeavesTheOldIndexTagged()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        var reference = OciReference.Parse($"{proxy.Host}/team/app:v1");
        var repository = Open(proxy);
        var before = await ImagePublisher.PublishAsync(repository, "v1", [Package(reference, [1])], Ct);
        proxy.FailNext(r => r.Method == "PUT" && r.Path.EndsWith("/manifests/v1", StringComparison.Ordinal), times: 10, status: 503);

        await Assert.ThrowsAsync<RegistryException>(() => ImagePublisher.PublishAsync(repository, "v1", [Package(reference, [2])], Ct));

        Assert.Equal(before.IndexDigest, (await repository.TryGetManifestAsync("v1", Ct))!.Digest);
    }

    [Fact]
    public async Task Publish_SameTargetTwice_SecondTimeMakesNoUploadRequest()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        var reference = OciReference.Parse($"{proxy.Host}/team/app:v1");
        var kernel = RandomNumberGenerator.GetBytes(100_000);
        var first = await ImagePublisher.PublishAsync(Open(proxy), "v1", [Package(reference, kernel)], Ct);
        var uploadsBefore = proxy.Requests.Count(r => r.IsBlobUpload);
        proxy.ClearRequests();

        var second = await ImagePublisher.PublishAsync(Open(proxy), "v1", [Package(reference, kernel)], Ct);

        Assert.Equal(4, uploadsBefore); // kernel layer and config: POST + PUT each
        Assert.DoesNotContain(proxy.Requests, r => r.IsBlobUpload);
        Assert.Equal(first.IndexDigest, second.IndexDigest);
    }

    private static PackagedTarget Package(OciReference reference, byte[] kernel) =>
        TargetPackager.Package(new TargetImage("app", "qemu", "x86_64", kernel, DotConfig.Parse("CONFIG_PLAT_KVM=y\n")), reference);
}
