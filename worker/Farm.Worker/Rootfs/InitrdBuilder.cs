using Farm.Core.Oci.Repositories;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Core.Rootfs;

namespace Farm.Worker.Rootfs;

/// <summary>
/// Turns a Kraftfile's <c>rootfs:</c> into an initrd (cpio <c>newc</c>, deterministic). A cpio is used as is; a
/// directory, a tarball, a Dockerfile's image (buildah, daemonless: <c>--storage-driver vfs --isolation chroot</c>)
/// and an OCI image are flattened into a tree layer by layer (whiteouts honoured, nothing extracted outside it),
/// then written as cpio. The same inputs give the same bytes. A Dockerfile's result is kept in the layer cache
/// (<see cref="RootfsLayerCache"/>) under a key of everything it depends on, so an unchanged one is not built again.
/// </summary>
internal sealed class InitrdBuilder
{
    private readonly string _work;
    private readonly RegistryClientOptions _registry;
    private readonly RootfsLayerCache? _layers;
    private readonly IDockerfileBuilder _dockerfiles;

    /// <param name="work">Scratch space (buildah's storage, flattened trees), kept by the worker.</param>
    /// <param name="layers">The layer cache for Dockerfile results, or null to always build.</param>
    /// <param name="dockerfiles">What builds Dockerfiles: by default BuildKit when <c>BUILDKIT_HOST</c> names a daemon, else buildah.</param>
    public InitrdBuilder(string work, RegistryClientOptions? registry = null, RootfsLayerCache? layers = null, IDockerfileBuilder? dockerfiles = null)
    {
        _work = work;
        _registry = registry ?? new RegistryClientOptions();
        _layers = layers;
        _dockerfiles = dockerfiles ?? (IDockerfileBuilder?)BuildKitDockerfileBuilder.FromEnvironment() ?? new BuildahDockerfileBuilder();
    }

    /// <summary>The target's architecture (<c>x86_64</c>, <c>arm64</c>): the platform Dockerfiles are built for and images are picked for; null for this host's.</summary>
    public string? Architecture { get; init; }

    /// <summary>
    /// Whether the last Dockerfile rootfs came from the rootfs layer cache (true) or was built (false); null when no
    /// Dockerfile was built or the cache could not key it. For the dashboard's rootfs cache figures.
    /// </summary>
    public bool? LayerCacheHit { get; private set; }

    /// <summary>The source tree a rootfs on disk must stay in (resolved through links); null for anywhere.</summary>
    public Farm.Core.IO.SourceTree? Tree { get; init; }

    private string OciArchitecture => (Architecture ?? (System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.Arm64 ? "arm64" : "x86_64")) switch
    {
        "x86_64" => "amd64",
        var other => other,
    };

    public async Task<byte[]> BuildAsync(string kraftfileDirectory, string rootfs, Action<string> log, CancellationToken cancellationToken)
    {
        if (Tree is not null && Farm.Core.Kraftfiles.KraftfileSources.RootfsPath(rootfs, kraftfileDirectory) is { } path && Tree.WhyOutside(path, kraftfileDirectory) is { } outside)
        {
            throw new RootfsException($"rootfs: {outside}");
        }

        var source = RootfsSource.Detect(kraftfileDirectory, rootfs);
        log($"farm: rootfs: {rootfs} is a {source.Kind.ToString().ToLowerInvariant()}");
        switch (source.Kind)
        {
            case RootfsKind.Cpio:
                return await File.ReadAllBytesAsync(source.Location, cancellationToken).ConfigureAwait(false);
            case RootfsKind.Directory:
                // The walk starts at the resolved directory: a rootfs that is a link (inside the tree) is packed as its target.
                return CpioWriter.Write(CpioWriter.EntriesOf(Farm.Core.IO.SourceTree.Resolve(source.Location) ?? source.Location));
            case RootfsKind.Tarball:
                return FromTree(tree =>
                {
                    using var stream = File.OpenRead(source.Location);
                    Report(Farm.Core.IO.SafeTarExtractor.Extract(stream, tree, allowLinksOutside: true, cancellationToken), rootfs, log);
                });
            case RootfsKind.Dockerfile:
                return await FromDockerfileAsync(source.Location, rootfs, log, cancellationToken).ConfigureAwait(false);

            case RootfsKind.Image when OciReference.TryParse(rootfs, out var reference, out _):
                return await FromImageAsync(reference, rootfs, log, cancellationToken).ConfigureAwait(false);
            default:
                throw new RootfsException($"rootfs: {rootfs} is neither a cpio archive, a directory, a Dockerfile, a tarball nor an image reference (host:port/repo:tag or oci:DIR:TAG)");
        }
    }

    private async Task<byte[]> FromDockerfileAsync(string dockerfile, string rootfs, Action<string> log, CancellationToken cancellationToken)
    {
        var platform = $"linux/{OciArchitecture}";
        string? key = null;
        if (_layers is not null)
        {
            (key, var whyNot) = await DockerfileKey.ComputeAsync(dockerfile, platform, _registry, cancellationToken).ConfigureAwait(false);
            if (key is null)
            {
                log($"farm: rootfs: {rootfs} is not cached: {whyNot}");
            }
            else if (await _layers.TryGetAsync(key, log, cancellationToken).ConfigureAwait(false) is { } cached)
            {
                log($"farm: rootfs: layer cache hit ({key[..12]}, {_layers.Name}): {rootfs} not built again, {cached.Length} bytes");
                LayerCacheHit = true;
                return cached;
            }
        }

        var stopwatch = System.Diagnostics.Stopwatch.StartNew();
        // Base images on this host's loopback registry (tests, a local mirror) are plain HTTP.
        var plainHttp = _registry.Insecure || DockerfileKey.BaseImages(await File.ReadAllTextAsync(dockerfile, cancellationToken).ConfigureAwait(false))
            .Any(b => OciReference.TryParse(b.Image, out var r, out _) && !r.IsLayout && RegistryClient.IsLoopback(r.Registry!));
        var (layout, selector) = await _dockerfiles.BuildAsync(dockerfile, platform, plainHttp, _work, log, cancellationToken).ConfigureAwait(false);
        byte[] initrd;
        try
        {
            initrd = await FromRepositoryAsync(new Farm.Core.Oci.Layout.OciLayoutRepository(layout), selector, rootfs, log, cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            Directory.Delete(layout, recursive: true);
        }

        log($"farm: rootfs: {rootfs} built by {_dockerfiles.Name} for {platform} in {stopwatch.Elapsed.TotalSeconds:0.00} s, {initrd.Length} bytes");
        LayerCacheHit = key is null ? null : false;
        if (key is not null && _layers is { Writable: true })
        {
            await _layers.PutAsync(key, initrd, rootfs, stopwatch.Elapsed.TotalSeconds, log, cancellationToken).ConfigureAwait(false);
        }

        return initrd;
    }

    private Task<byte[]> FromImageAsync(OciReference reference, string rootfs, Action<string> log, CancellationToken cancellationToken) =>
        FromRepositoryAsync(
            OciRepositories.Open(reference, _registry with { Insecure = _registry.Insecure || (!reference.IsLayout && RegistryClient.IsLoopback(reference.Registry!)) }),
            reference.Selector,
            rootfs,
            log,
            cancellationToken);

    private async Task<byte[]> FromRepositoryAsync(IOciRepository repository, string selector, string rootfs, Action<string> log, CancellationToken cancellationToken)
    {
        var fetched = await repository.TryGetManifestAsync(selector, cancellationToken).ConfigureAwait(false)
            ?? throw new RootfsException($"rootfs: {rootfs}: no such image in {repository.Name}");
        if (fetched.IsIndex)
        {
            var index = ImageIndex.Parse(fetched.Bytes);
            var chosen = index.Manifests.FirstOrDefault(m => m.Platform is { Os: "linux" } p && p.Architecture == OciArchitecture)
                ?? index.Manifests.FirstOrDefault(m => m.Platform is null || m.Platform.Os == "linux") ?? (index.Manifests.Count > 0 ? index.Manifests[0] : null)
                ?? throw new RootfsException($"rootfs: {rootfs}: the image index lists no manifest");
            fetched = await repository.TryGetManifestAsync(chosen.Digest.Value, cancellationToken).ConfigureAwait(false)
                ?? throw new RootfsException($"rootfs: {rootfs}: {chosen.Digest} is listed but missing");
        }

        var manifest = ImageManifest.Parse(fetched.Bytes);
        var layers = new List<byte[]>();
        foreach (var layer in manifest.Layers)
        {
            layers.Add(await repository.GetBlobAsync(layer.Digest, cancellationToken).ConfigureAwait(false));
        }

        log($"farm: rootfs: {manifest.Layers.Count} layer(s) from {repository.Name}");
        return FromTree(tree =>
        {
            foreach (var layer in layers)
            {
                using var stream = new MemoryStream(layer, writable: false);
                Report(LayerFlattener.Apply(stream, tree, cancellationToken), rootfs, log);
            }
        });
    }

    private byte[] FromTree(Action<string> fill)
    {
        var tree = Path.Combine(_work, "trees", Guid.NewGuid().ToString("N"));
        try
        {
            Directory.CreateDirectory(tree);
            fill(tree);
            return CpioWriter.Write(CpioWriter.EntriesOf(tree));
        }
        finally
        {
            if (Directory.Exists(tree))
            {
                Directory.Delete(tree, recursive: true);
            }
        }
    }

    private static void Report(Farm.Core.IO.ExtractionReport report, string rootfs, Action<string> log)
    {
        foreach (var (path, reason) in report.Refused)
        {
            log($"farm: rootfs: {rootfs}: {path} left out: {reason}");
        }

        foreach (var (path, change) in report.Changed)
        {
            log($"farm: rootfs: {rootfs}: {path}: {change}");
        }
    }
}
