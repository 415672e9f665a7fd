using System.Security.Cryptography;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Core.Oci.Layout;
using Farm.Core.Tests.Oci.TestRegistry;

namespace Farm.Core.Tests.Oci;

/// <summary>
/// <c>farm copy</c>'s engine against the real registry (Debian docker-registry), with a recording proxy in front where
/// the requests themselves are the point: a layer larger than 64 MiB survives push and pull byte for byte (streamed in
/// chunks from its file), a copy within one registry mounts instead of uploading, and a download that is not what its
/// digest says leaves nothing in the layout.
/// </summary>
public sealed class OciCopierTests : IDisposable
{
    private const long LargeLayer = (65L << 20) + 4321;
    private readonly string _work = Directory.CreateTempSubdirectory("farm-copier-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task Copy_LayerOver64MiB_PushedInChunksAndPulledBack_IsByteIdentical()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        var (source, layer) = await LayoutWithLayerAsync("source", LargeLayer);
        var chunked = new RegistryClientOptions { Insecure = true, ChunkedUploadThreshold = 32L << 20, ChunkSize = 16 << 20 };
        var remote = new RegistryRepository(new RegistryClient(proxy.Host, chunked), "team/big");

        var pushed = await OciCopier.CopyAsync(source, "v1", remote, "v1", Ct);
        var pulledLayout = new OciLayoutRepository(Path.Combine(_work, "pulled"));
        var pulled = await OciCopier.CopyAsync(remote, "v1", pulledLayout, "v2", Ct);

        Assert.Equal(2, pushed.BlobsCopied);
        Assert.Equal(2, pulled.BlobsCopied);
        Assert.Equal(pushed.Digest, pulled.Digest);

        // 65 MiB in 16 MiB chunks: five PATCH requests, each carrying its own part of the file.
        Assert.Equal(5, proxy.Requests.Count(r => r.Method == "PATCH"));
        var copy = Path.Combine(_work, "pulled", "blobs", "sha256", layer.Digest.Hex);
        Assert.Equal(LargeLayer, new FileInfo(copy).Length);
        Assert.Equal(layer.Digest, await HashFileAsync(copy));
    }

    [Fact]
    public async Task Copy_BetweenRepositoriesOfOneRegistry_MountsEveryBlobAndUploadsNothing()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        var (source, layer) = await LayoutWithLayerAsync("source", 200_000);
        var options = new RegistryClientOptions { Insecure = true };
        var from = new RegistryRepository(new RegistryClient(proxy.Host, options), "base/runtime");
        await OciCopier.CopyAsync(source, "v1", from, "v1", Ct);
        proxy.ClearRequests();
        var to = new RegistryRepository(new RegistryClient(proxy.Host, options), "team/app");

        var copied = await OciCopier.CopyAsync(from, "v1", to, "v1", Ct);

        Assert.Equal(0, copied.BlobsCopied);
        Assert.Equal(2, copied.BlobsMounted);
        Assert.Equal(2, proxy.Requests.Count(r => r.Method == "POST" && r.PathAndQuery.Contains("mount=", StringComparison.Ordinal) && r.StatusCode == 201));
        Assert.DoesNotContain(proxy.Requests, r => r.Method is "PATCH" || (r.Method == "PUT" && r.Path.Contains("/blobs/uploads/", StringComparison.Ordinal)));
        Assert.DoesNotContain(proxy.Requests, r => r.Method == "GET" && r.Path.Contains("/blobs/", StringComparison.Ordinal));

        // The registry itself serves the layer from the target repository.
        Assert.True(await new RegistryRepository(new RegistryClient(registry.Host, options), "team/app").BlobExistsAsync(layer.Digest, Ct));
        Assert.Equal(copied.Digest, (await to.TryGetManifestAsync("v1", Ct))!.Digest);
    }

    [Fact]
    public async Task Mount_SourceLacksTheBlob_IsDeclinedAndItsUploadSessionCancelled()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        var options = new RegistryClientOptions { Insecure = true };
        var empty = new RegistryRepository(new RegistryClient(proxy.Host, options), "base/empty");
        var target = new RegistryRepository(new RegistryClient(proxy.Host, options), "team/app");
        var digest = Digest.Of(RandomNumberGenerator.GetBytes(1000));

        Assert.False(await target.TryMountBlobAsync(digest, empty, Ct));

        Assert.Contains(proxy.Requests, r => r.Method == "POST" && r.StatusCode == 202);
        Assert.Contains(proxy.Requests, r => r.Method == "DELETE" && r.Path.Contains("/blobs/uploads/", StringComparison.Ordinal) && r.StatusCode == 204);
        Assert.False(await target.BlobExistsAsync(digest, Ct));
    }

    [Fact]
    public async Task Mount_FromALayoutOrTheSameRepository_IsNotAttempted()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        var target = new RegistryRepository(new RegistryClient(proxy.Host, new RegistryClientOptions { Insecure = true }), "team/app");
        var digest = Digest.Of([1, 2, 3]);

        Assert.False(await target.TryMountBlobAsync(digest, new OciLayoutRepository(Path.Combine(_work, "none")), Ct));
        Assert.False(await target.TryMountBlobAsync(digest, target, Ct));

        Assert.Empty(proxy.Requests);
    }

    [Theory]
    [InlineData("corrupted")]
    [InlineData("truncated")]
    public async Task Pull_RegistrySendsBytesThatAreNotTheLayer_FailsAndLeavesNothingInTheLayout(string fault)
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        var (source, layer) = await LayoutWithLayerAsync("source", 3 << 20);
        var remote = new RegistryRepository(new RegistryClient(proxy.Host, new RegistryClientOptions { Insecure = true, RetryBaseDelay = TimeSpan.FromMilliseconds(10) }), "team/app");
        await OciCopier.CopyAsync(source, "v1", remote, "v1", Ct);
        bool IsLayer((string Method, string Path) r) => r.Method == "GET" && r.Path.EndsWith(layer.Digest.Value, StringComparison.Ordinal);
        if (fault == "corrupted")
        {
            proxy.CorruptNextResponse(IsLayer, times: 10);
        }
        else
        {
            proxy.ReplaceNextResponse(IsLayer, times: 10, 200, "only the first bytes", "application/octet-stream");
        }

        var target = Path.Combine(_work, "pulled");
        var error = await Assert.ThrowsAnyAsync<Exception>(() => OciCopier.CopyAsync(remote, "v1", new OciLayoutRepository(target), "v1", Ct));

        Assert.True(error is OciFormatException or RegistryException, error.ToString());
        Assert.Contains(layer.Digest.Value, error.Message, StringComparison.Ordinal);
        var blobs = Path.Combine(target, "blobs", "sha256");
        Assert.False(File.Exists(Path.Combine(blobs, layer.Digest.Hex)));
        Assert.Empty(Directory.EnumerateFiles(blobs, "*.partial"));
        Assert.Empty(await new OciLayoutRepository(target).ListTagsAsync(Ct));
    }

    /// <summary>A layout holding one image (tag v1) whose layer is <paramref name="size"/> random bytes, written to disk in pieces.</summary>
    private async Task<(OciLayoutRepository Layout, Descriptor Layer)> LayoutWithLayerAsync(string name, long size)
    {
        var file = Path.Combine(_work, name + ".layer");
        await using (var output = File.Create(file))
        {
            var piece = new byte[1 << 20];
            for (long written = 0; written < size; written += piece.Length)
            {
                RandomNumberGenerator.Fill(piece);
                await output.WriteAsync(piece.AsMemory(0, (int)Math.Min(piece.Length, size - written)), Ct);
            }
        }

        var layout = new OciLayoutRepository(Path.Combine(_work, name));
        var blob = BlobSource.FromFile(file, await HashFileAsync(file));
        await layout.PushBlobAsync(blob, Ct);
        var config = "{}"u8.ToArray();
        await layout.PushBlobAsync(BlobSource.FromBytes(config), Ct);
        var layer = new Descriptor(MediaTypes.Layer, blob.Digest, size);
        var manifest = new ImageManifest(new Descriptor(MediaTypes.ImageConfig, Digest.Of(config), config.Length), [layer]).ToJson();
        await layout.PutManifestAsync(manifest, MediaTypes.ImageManifest, "v1", Ct);
        File.Delete(file);
        return (layout, layer);
    }

    private static async Task<Digest> HashFileAsync(string path)
    {
        await using var stream = File.OpenRead(path);
        return Digest.FromHash(await SHA256.HashDataAsync(stream, Ct));
    }
}
