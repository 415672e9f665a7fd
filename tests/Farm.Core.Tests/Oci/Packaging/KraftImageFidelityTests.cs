using System.Text.Json;
using Farm.Core.Oci;
using Farm.Core.Oci.Layout;
using Farm.Core.Oci.Packaging;
using Farm.Core.Oci.Signing;

namespace Farm.Core.Tests.Oci.Packaging;

/// <summary>Images as <c>kraft pkg</c> writes them: os.features, annotations, and a tidy OCI layout.</summary>
public sealed class KraftImageFidelityTests
{
    private static readonly string[] Architectures = ["x86_64", "arm64"];

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private const string Config = "CONFIG_UK_NAME=\"helloworld\"\nCONFIG_UK_FULLVERSION=\"0.17.0~484ff209\"\nCONFIG_PLAT_KVM=y\n"
        + "CONFIG_LIBVFSCORE_ROOTFS=\"initrd\"\nCONFIG_UK_APP=\"/home/me/app\"\n# CONFIG_LIBUKDEBUG is not set\n";

    [Fact]
    public void OsFeatures_AreWithoutQuotesAndIncludeTheTargetsKraftfileKConfig()
    {
        var config = DotConfig.Parse(Config, [new("CONFIG_LIBUKRANDOM", "n"), new("CONFIG_PLAT_KVM", "y"), new("CONFIG_LIBVFSCORE_ROOTFS", "\"9pfs\"")]);

        Assert.Equal(
            ["CONFIG_LIBUKRANDOM=n", "CONFIG_LIBVFSCORE_ROOTFS=initrd", "CONFIG_PLAT_KVM=y", "CONFIG_UK_FULLVERSION=0.17.0~484ff209", "CONFIG_UK_NAME=helloworld"],
            config.Features);
        Assert.Equal("0.17.0~484ff209", config.Version);
    }

    [Fact]
    public void Annotations_OnARegistryReference_AreNamedAsKraftNamesThem()
    {
        var reference = OciReference.Parse("127.0.0.1:5000/team/helloworld:v1");
        var packaged = TargetPackager.Package(new TargetImage("helloworld", "qemu", "x86_64", [1, 2, 3], DotConfig.Parse(Config)) { Name = "helloworld" }, reference);
        var manifest = ImageManifest.Parse(packaged.Manifest);

        var index = IndexAssembler.Merge(null, [packaged.IndexEntry]);

        Assert.Equal("127.0.0.1:5000/team/helloworld", manifest.Annotations!["org.opencontainers.image.ref.name"]);
        Assert.Equal("127.0.0.1:5000/team/helloworld", manifest.Annotations["org.unikraft.image.name"]);
        Assert.Equal("127.0.0.1:5000/team/helloworld:v1", manifest.Annotations["io.containerd.image.name"]);
        Assert.Equal("127.0.0.1:5000/team/helloworld", index.Annotations!["org.opencontainers.image.ref.name"]);
        Assert.Equal("127.0.0.1:5000/team/helloworld:v1", index.Annotations["io.containerd.image.name"]);
        Assert.True(index.Annotations.ContainsKey("sh.kraftkit.version"));
    }

    [Fact]
    public void Annotations_OnALayout_NameTheAppNotTheLayoutsDirectory()
    {
        var reference = OciReference.Parse("oci:/srv/out/catalog:helloworld");
        var packaged = TargetPackager.Package(new TargetImage("hello", "qemu", "arm64", [1], DotConfig.Parse(Config)) { Name = "helloworld" }, reference);
        var annotations = ImageManifest.Parse(packaged.Manifest).Annotations!;

        Assert.Equal("helloworld", annotations["org.opencontainers.image.ref.name"]);
        Assert.Equal("helloworld:helloworld", annotations["io.containerd.image.name"]);
        Assert.DoesNotContain(annotations.Values, v => v.Contains("catalog", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Layout_RepublishingATag_ReplacesItsEntriesAndLeavesNoStaleSignatureOrLock()
    {
        var layout = Directory.CreateTempSubdirectory("farm-layout-").FullName;
        try
        {
            var reference = OciReference.Parse($"oci:{layout}:v1");
            var repository = new OciLayoutRepository(layout);
            using var key = KeyPair.Generate();
            Digest? first = null;
            for (var round = 0; round < 3; round++)
            {
                // As the farm publishes: manifests and the index by digest, signatures, then the tag.
                var targets = Architectures.Select(arch => TargetPackager.Package(new TargetImage("app", "qemu", arch, [(byte)round, 1], DotConfig.Parse(Config)) { Name = "app" }, reference)).ToList();
                foreach (var target in targets)
                {
                    foreach (var blob in target.Blobs)
                    {
                        await repository.PushBlobAsync(blob, Ct);
                    }

                    await repository.PutManifestAsync(target.Manifest, MediaTypes.ImageManifest, tag: null, Ct);
                }

                var index = IndexAssembler.Merge(null, targets.Select(t => t.IndexEntry)).ToJson();
                var digest = await repository.PutManifestAsync(index, MediaTypes.ImageIndex, tag: null, Ct);
                await IndexSigning.SignAsync(repository, reference.WithDigest(digest), key.Private, Ct);
                await repository.PutManifestAsync(index, MediaTypes.ImageIndex, "v1", Ct);
                first ??= digest;
            }

            var entries = JsonDocument.Parse(await File.ReadAllBytesAsync(Path.Combine(layout, "index.json"), Ct)).RootElement.GetProperty("manifests").EnumerateArray()
                .Select(e => e.TryGetProperty("annotations", out var a) && a.TryGetProperty("org.opencontainers.image.ref.name", out var tag) ? tag.GetString() : null)
                .ToList();

            // One tag and the signatures of what it names now (the index and its two manifests); nothing untagged.
            Assert.Equal(4, entries.Count);
            Assert.Equal(1, entries.Count(t => t == "v1"));
            Assert.Equal(3, entries.Count(t => t is not null && t.EndsWith(".sig", StringComparison.Ordinal)));
            Assert.DoesNotContain(null, entries);
            Assert.DoesNotContain($"sha256-{first!.Value.Hex}.sig", entries);
            Assert.Equal(["blobs", "index.json", "oci-layout"], Directory.EnumerateFileSystemEntries(layout).Select(Path.GetFileName).Order(StringComparer.Ordinal));
        }
        finally
        {
            Directory.Delete(layout, recursive: true);
        }
    }
}
