using System.Security.Cryptography;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Core.Tests.Oci.TestRegistry;

namespace Farm.Core.Tests.Oci.Distribution;

/// <summary>The distribution client against the real CNCF registry (Debian docker-registry) on loopback.</summary>
public sealed class RegistryRepositoryTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static RegistryRepository Open(RegistryServer registry, string repository = "team/app", RegistryClientOptions? options = null) =>
        new(new RegistryClient(registry.Host, options ?? new RegistryClientOptions { Insecure = true }), repository);

    [Fact]
    public async Task PushBlob_Monolithic_IsStoredOnceAndReadBackVerified()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        var repository = Open(registry);
        var blob = BlobSource.FromBytes(RandomNumberGenerator.GetBytes(100_000));

        Assert.True(await repository.PushBlobAsync(blob, Ct));
        Assert.False(await repository.PushBlobAsync(blob, Ct));
        Assert.True(await repository.BlobExistsAsync(blob.Digest, Ct));
        Assert.Equal(blob.Open().ReadAllBytes(), await repository.GetBlobAsync(blob.Digest, Ct));
    }

    [Fact]
    public async Task PushBlob_LargerThanTheThreshold_IsUploadedInChunksWithOurOwnOffsets()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        var repository = Open(registry, options: new RegistryClientOptions { Insecure = true, ChunkedUploadThreshold = 1 << 20, ChunkSize = 300_000 });
        var content = RandomNumberGenerator.GetBytes((3 << 20) + 12345);
        var blob = BlobSource.FromBytes(content);

        Assert.True(await repository.PushBlobAsync(blob, Ct));

        Assert.Equal(content, await repository.GetBlobAsync(blob.Digest, Ct));
    }

    [Fact]
    public async Task PushBlob_ContentNotMatchingItsDigest_IsRefusedAndNothingIsStored()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        var repository = Open(registry);
        var claimed = Digest.Of([1, 2, 3]);
        var lying = new BlobSource(claimed, 3, () => new MemoryStream([4, 5, 6]));

        var error = await Assert.ThrowsAsync<OciFormatException>(() => repository.PushBlobAsync(lying, Ct));

        Assert.Contains($"pushed as {claimed}", error.Message, StringComparison.Ordinal);
        Assert.False(await repository.BlobExistsAsync(claimed, Ct));
    }

    [Theory]
    [InlineData(new byte[] { 4, 5, 6 }, "hashes to sha256:")]
    [InlineData(new byte[] { 1, 2 }, "ends after 2 bytes")]
    [InlineData(new byte[] { 1, 2, 3, 4 }, "is longer")]
    public async Task PushBlob_ChunkedContentNotMatchingItsDigest_IsRefusedBeforeTheUploadIsFinished(byte[] actual, string says)
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        var repository = Open(registry, options: new RegistryClientOptions { Insecure = true, ChunkedUploadThreshold = 1, ChunkSize = 2 });
        var claimed = Digest.Of([1, 2, 3]);
        var lying = new BlobSource(claimed, 3, () => new MemoryStream(actual));

        var error = await Assert.ThrowsAsync<OciFormatException>(() => repository.PushBlobAsync(lying, Ct));

        Assert.Contains($"pushed as {claimed}", error.Message, StringComparison.Ordinal);
        Assert.Contains(says, error.Message, StringComparison.Ordinal);
        Assert.False(await repository.BlobExistsAsync(claimed, Ct));
    }

    [Fact]
    public async Task PushBlob_MountFromAnotherRepository_UploadsNothing()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        var blob = BlobSource.FromBytes(RandomNumberGenerator.GetBytes(50_000));
        await Open(registry, "base/runtime").PushBlobAsync(blob, Ct);
        var target = Open(registry, "team/app");

        var uploaded = await target.PushBlobAsync(blob, mountFrom: "base/runtime", Ct);

        Assert.False(uploaded);
        Assert.True(await target.BlobExistsAsync(blob.Digest, Ct));
    }

    [Fact]
    public async Task PushBlob_MountFromARepositoryWithoutIt_FallsBackToUpload()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        var blob = BlobSource.FromBytes(RandomNumberGenerator.GetBytes(50_000));
        var target = Open(registry, "team/app");

        Assert.True(await target.PushBlobAsync(blob, mountFrom: "base/empty", Ct));
        Assert.True(await target.BlobExistsAsync(blob.Digest, Ct));
    }

    [Fact]
    public async Task Manifest_PutByDigestAndTag_IsServedByteForByteToSkopeo()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        var repository = Open(registry);
        var (manifest, _) = await PushImageAsync(repository);

        var digest = await repository.PutManifestAsync(manifest, MediaTypes.ImageManifest, "v1", Ct);

        var byTag = await repository.TryGetManifestAsync("v1", Ct);
        var byDigest = await repository.TryGetManifestAsync(digest.Value, Ct);
        Assert.Equal(manifest, byTag!.Bytes);
        Assert.Equal(MediaTypes.ImageManifest, byTag.MediaType);
        Assert.Equal(digest, byDigest!.Digest);
        Assert.Equal(manifest, await Skopeo.RawAsync($"docker://{registry.Host}/team/app:v1"));
        Assert.Contains("v1", await repository.ListTagsAsync(Ct));
    }

    [Fact]
    public async Task Manifest_Missing_IsNullAndUnknownRepositoryHasNoTags()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        var repository = Open(registry, "nobody/here");

        Assert.Null(await repository.TryGetManifestAsync("v1", Ct));
        Assert.Empty(await repository.ListTagsAsync(Ct));
    }

    [Fact]
    public async Task Manifest_ReferringToMissingBlobs_GivesTheRegistrysTypedError()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        var repository = Open(registry);
        var missing = new Descriptor(MediaTypes.ImageConfig, Digest.Of([42]), 1);
        var manifest = new ImageManifest(missing, []).ToJson();

        var error = await Assert.ThrowsAsync<RegistryException>(() => repository.PutManifestAsync(manifest, MediaTypes.ImageManifest, "broken", Ct));

        Assert.Equal("MANIFEST_BLOB_UNKNOWN", error.Code);
        Assert.StartsWith($"{registry.Host}/team/app: put manifest sha256:", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("broken", await repository.ListTagsAsync(Ct));
    }

    [Fact]
    public async Task Blob_Unknown_IsATypedErrorNotAnHttpDump()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);

        var error = await Assert.ThrowsAsync<RegistryException>(() => Open(registry).GetBlobAsync(Digest.Of([7]), Ct));

        Assert.Equal(System.Net.HttpStatusCode.NotFound, error.Status);
        Assert.Equal("BLOB_UNKNOWN", error.Code);
    }

    [Fact]
    public async Task Delete_ByDigest_RemovesTheManifest()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        var repository = Open(registry);
        var (manifest, _) = await PushImageAsync(repository);
        var digest = await repository.PutManifestAsync(manifest, MediaTypes.ImageManifest, "gone", Ct);

        await repository.DeleteManifestAsync(digest, Ct);

        Assert.Null(await repository.TryGetManifestAsync(digest.Value, Ct));
    }

    [Fact]
    public async Task Referrers_WithoutTheApi_UseTheTagFallback()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        var repository = Open(registry);
        var (manifest, config) = await PushImageAsync(repository);
        var subject = await repository.PutManifestAsync(manifest, MediaTypes.ImageManifest, "v1", Ct);
        var referrer = new ImageManifest(config, []) { Subject = new Descriptor(MediaTypes.ImageManifest, subject, manifest.Length) }.ToJson();
        var referrerDigest = await repository.PutManifestAsync(referrer, MediaTypes.ImageManifest, null, Ct);

        await Referrers.AddFallbackAsync(repository, subject, new Descriptor(MediaTypes.ImageManifest, referrerDigest, referrer.Length), Ct);
        await Referrers.AddFallbackAsync(repository, subject, new Descriptor(MediaTypes.ImageManifest, referrerDigest, referrer.Length), Ct);

        Assert.Equal([referrerDigest], (await repository.GetReferrersAsync(subject, Ct)).Select(d => d.Digest));
    }

    [Theory]
    [InlineData("a:b")]
    [InlineData(".hidden")]
    public async Task Manifest_InvalidTag_IsRefusedBeforeAnyRequest(string tag)
    {
        var repository = new RegistryRepository(new RegistryClient("127.0.0.1:1", new RegistryClientOptions { Insecure = true, MaxAttempts = 1 }), "team/app");

        var error = await Assert.ThrowsAsync<ArgumentException>(() => repository.PutManifestAsync([1], MediaTypes.ImageManifest, tag, Ct));

        Assert.Contains("not a valid tag", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Client_InsecureForANonLoopbackHost_IsRefused()
    {
        var error = Assert.Throws<ArgumentException>(() => new RegistryClient("registry.example.com", new RegistryClientOptions { Insecure = true }));

        Assert.Contains("plain HTTP is allowed only for a registry on this machine", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Client_NothingListening_FailsAfterItsAttemptsWithOneLine()
    {
        var repository = new RegistryRepository(new RegistryClient($"127.0.0.1:{Loopback.PickFreePort()}", new RegistryClientOptions { Insecure = true, MaxAttempts = 2, RetryBaseDelay = TimeSpan.FromMilliseconds(10) }), "team/app");

        var error = await Assert.ThrowsAsync<RegistryException>(() => repository.BlobExistsAsync(Digest.Of([1]), Ct));

        Assert.Contains("cannot reach the registry (2 attempts)", error.Message, StringComparison.Ordinal);
    }

    internal static async Task<(byte[] Manifest, Descriptor Config)> PushImageAsync(IOciRepository repository)
    {
        var layer = BlobSource.FromBytes(RandomNumberGenerator.GetBytes(1000));
        var config = BlobSource.FromBytes("{\"architecture\":\"x86_64\",\"os\":\"qemu\"}"u8.ToArray());
        await repository.PushBlobAsync(layer, Ct);
        await repository.PushBlobAsync(config, Ct);
        var configDescriptor = new Descriptor(MediaTypes.ImageConfig, config.Digest, config.Size);
        return (new ImageManifest(configDescriptor, [new Descriptor(MediaTypes.Layer, layer.Digest, layer.Size)]).ToJson(), configDescriptor);
    }
}

internal static class StreamExtensions
{
    public static byte[] ReadAllBytes(this Stream stream)
    {
        using (stream)
        using (var buffer = new MemoryStream())
        {
            stream.CopyTo(buffer);
            return buffer.ToArray();
        }
    }
}
