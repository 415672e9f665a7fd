using Farm.Core.Builds;
using Farm.Core.Oci;
using Farm.Core.Oci.Layout;

namespace Farm.Core.Tests.Builds;

/// <summary>
/// The fan-in's last step on a real OCI layout: what is published for each mix of target outcomes, and that the tag
/// moves only when the build is still open after the index was pushed.
/// </summary>
public sealed class BuildAssemblerTests : IDisposable
{
    private const string Output = "127.0.0.1:1/apps/hello:v1";
    private readonly string _layout = Directory.CreateTempSubdirectory("farm-assembler-").FullName;
    private readonly InMemoryBuildStore _store = new();

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_layout, recursive: true);

    [Fact]
    public async Task Assemble_EveryTargetPassed_PushesOneIndexOfTheirEntries_TagsIt_AndSucceeds()
    {
        await CreateAsync(publishPartial: false, ("qemu", "x86_64", TargetState.Succeeded), ("qemu", "arm64", TargetState.Succeeded));

        await Assembler().AssembleAsync("b", Ct);

        var build = (await _store.GetAsync("b", Ct))!;
        var tagged = await new OciLayoutRepository(_layout).TryGetManifestAsync("v1", Ct);
        Assert.Equal((BuildState.Succeeded, null), (build.State, build.Reason));
        Assert.NotNull(tagged);
        Assert.Equal(build.IndexDigest, tagged.Digest.Value);
        Assert.Equal(new[] { EntryDigest("qemu", "x86_64"), EntryDigest("qemu", "arm64") }.Order(), ImageIndex.Parse(tagged.Bytes).Manifests.Select(m => m.Digest.Value).Order());
    }

    [Fact]
    public async Task Assemble_ATargetFailed_WithoutPartialPublishing_FailsNamingIt_AndPublishesNothing()
    {
        await CreateAsync(publishPartial: false, ("qemu", "x86_64", TargetState.Succeeded), ("fc", "x86_64", TargetState.Failed));

        await Assembler().AssembleAsync("b", Ct);

        var build = (await _store.GetAsync("b", Ct))!;
        Assert.Equal(BuildState.Failed, build.State);
        Assert.Equal("1 of 2 target(s) failed: fc/x86_64; nothing published (x-farm.publish: partial publishes the rest)", build.Reason);
        Assert.Null(build.IndexDigest);
        Assert.False(File.Exists(Path.Combine(_layout, "index.json")));
    }

    [Fact]
    public async Task Assemble_ATargetFailed_WithPartialPublishing_PublishesTheOthers_AndTheBuildSaysWhichFailed()
    {
        await CreateAsync(publishPartial: true, ("qemu", "x86_64", TargetState.Succeeded), ("fc", "x86_64", TargetState.Cancelled));

        await Assembler().AssembleAsync("b", Ct);

        var build = (await _store.GetAsync("b", Ct))!;
        var tagged = await new OciLayoutRepository(_layout).TryGetManifestAsync("v1", Ct);
        Assert.Equal((BuildState.Failed, "1 of 2 target(s) failed: fc/x86_64; the others published (x-farm.publish: partial)"), (build.State, build.Reason));
        Assert.Equal([EntryDigest("qemu", "x86_64")], ImageIndex.Parse(tagged!.Bytes).Manifests.Select(m => m.Digest.Value));
    }

    [Fact]
    public async Task Assemble_EveryTargetSkipped_FailsWithEachReason_AndPublishesNothing()
    {
        await CreateAsync(publishPartial: true, ("fc", "x86_64", TargetState.Skipped), ("xen", "x86_64", TargetState.Skipped));

        await Assembler().AssembleAsync("b", Ct);

        var build = (await _store.GetAsync("b", Ct))!;
        Assert.Equal(BuildState.Failed, build.State);
        Assert.Equal("no target could be built here (fc/x86_64: no fc here; xen/x86_64: no xen here); nothing published", build.Reason);
        Assert.False(File.Exists(Path.Combine(_layout, "index.json")));
    }

    [Fact]
    public async Task Assemble_BuildCancelledWhileTheIndexIsPushed_LeavesTheTagWhereItWas()
    {
        await CreateAsync(publishPartial: false, ("qemu", "x86_64", TargetState.Succeeded));
        var layout = new OciLayoutRepository(_layout);
        var old = await layout.PutManifestAsync("""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"""u8.ToArray(), MediaTypes.ImageIndex, "v1", Ct);
        // The push by digest is where a cancel can land: the assembler must look again before it moves the tag.
        var assembler = new BuildAssembler(_store, _ => new CancellingOnPush(layout, () => _store.CancelAsync("b", Ct)));

        await assembler.AssembleAsync("b", Ct);

        Assert.Equal(BuildState.Cancelled, (await _store.GetAsync("b", Ct))!.State);
        Assert.Equal(old, (await layout.TryGetManifestAsync("v1", Ct))!.Digest);
    }

    [Fact]
    public async Task Assemble_BuildAlreadyFinal_ChangesNothing()
    {
        await CreateAsync(publishPartial: false, ("qemu", "x86_64", TargetState.Succeeded));
        await _store.FinishAsync("b", BuildState.Failed, null, "deadline", Ct);

        await Assembler().AssembleAsync("b", Ct);

        Assert.Equal("deadline", (await _store.GetAsync("b", Ct))!.Reason);
        Assert.False(File.Exists(Path.Combine(_layout, "index.json")));
    }

    private BuildAssembler Assembler() => new(_store, _ => new OciLayoutRepository(_layout));

    private async Task CreateAsync(bool publishPartial, params (string Platform, string Architecture, TargetState State)[] targets)
    {
        await _store.CreateAsync(
            new BuildRecord("b", "hello", "Kraftfile", Output, "trusted", DateTimeOffset.UtcNow) { PublishPartial = publishPartial },
            [.. targets.Select(t => new TargetRecord("b", $"hello_{t.Platform}-{t.Architecture}", "hello", t.Platform, t.Architecture, $"{t.Platform}-{t.Architecture}"))],
            Ct);
        foreach (var (platform, architecture, state) in targets)
        {
            var outcome = new TargetOutcome(state, state == TargetState.Skipped ? $"no {platform} here" : null)
            {
                IndexEntry = state == TargetState.Succeeded ? Entry(platform, architecture) : null,
            };
            await _store.CompleteTargetAsync("b", $"hello_{platform}-{architecture}", outcome, Ct);
        }
    }

    private static string EntryDigest(string platform, string architecture) =>
        Digest.Of(System.Text.Encoding.UTF8.GetBytes($"{platform}/{architecture}")).Value;

    private static string Entry(string platform, string architecture) =>
        $$$"""{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"{{{EntryDigest(platform, architecture)}}}","size":1,"platform":{"architecture":"{{{(architecture == "x86_64" ? "amd64" : architecture)}}}","os":"linux"}}""";

    /// <summary>A layout whose untagged manifest push runs <paramref name="onPush"/> first (a cancel arriving then).</summary>
    private sealed class CancellingOnPush(IOciRepository inner, Func<Task> onPush) : IOciRepository
    {
        public string Name => inner.Name;

        public Task<bool> BlobExistsAsync(Digest digest, CancellationToken cancellationToken) => inner.BlobExistsAsync(digest, cancellationToken);

        public Task<bool> PushBlobAsync(BlobSource blob, CancellationToken cancellationToken) => inner.PushBlobAsync(blob, cancellationToken);

        public Task<byte[]> GetBlobAsync(Digest digest, CancellationToken cancellationToken) => inner.GetBlobAsync(digest, cancellationToken);

        public Task CopyBlobToAsync(Digest digest, Stream destination, CancellationToken cancellationToken) => inner.CopyBlobToAsync(digest, destination, cancellationToken);

        public Task<FetchedManifest?> TryGetManifestAsync(string tagOrDigest, CancellationToken cancellationToken) => inner.TryGetManifestAsync(tagOrDigest, cancellationToken);

        public async Task<Digest> PutManifestAsync(byte[] bytes, string mediaType, string? tag, CancellationToken cancellationToken)
        {
            if (tag is null)
            {
                await onPush();
            }

            return await inner.PutManifestAsync(bytes, mediaType, tag, cancellationToken);
        }

        public Task<IReadOnlyList<string>> ListTagsAsync(CancellationToken cancellationToken) => inner.ListTagsAsync(cancellationToken);

        public Task DeleteManifestAsync(Digest digest, CancellationToken cancellationToken) => inner.DeleteManifestAsync(digest, cancellationToken);
    }
}
