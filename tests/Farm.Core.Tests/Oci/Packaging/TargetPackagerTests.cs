using System.Formats.Tar;
using System.Text.Json;
using Farm.Core.Oci;
using Farm.Core.Oci.Packaging;

namespace Farm.Core.Tests.Oci.Packaging;

/// <summary>The layout kraft reads (reference/oci.md §1), byte for byte deterministic.</summary>
public sealed class TargetPackagerTests
{
    private static readonly OciReference Reference = OciReference.Parse("127.0.0.1:5000/helloworld:v1");

    private static TargetImage Image(byte[]? kernel = null, string config = "CONFIG_UK_FULLVERSION=\"0.17.0~abc\"\nCONFIG_PLAT_KVM=y\n# CONFIG_LIBUKDEBUG is not set\nCONFIG_UK_APP=\"/home/me/app\"\nCONFIG_ARCH_X86_64=y\n") =>
        new("helloworld", "qemu", "x86_64", kernel ?? [1, 2, 3, 4], DotConfig.Parse(config))
        {
            Cmd = ["/http_server", "-p", "80"],
            Env = ["PORT=8080"],
            Labels = [new("org.example.b", "2"), new("org.example.a", "1")],
        };

    [Fact]
    public void Package_SameInputs_GiveTheSameBytes()
    {
        var a = TargetPackager.Package(Image(), Reference);
        var b = TargetPackager.Package(Image(), Reference);

        Assert.Equal(a.Manifest, b.Manifest);
        Assert.Equal(a.Blobs.Select(x => x.Digest), b.Blobs.Select(x => x.Digest));
        Assert.NotEqual(a.IndexEntry.Digest, TargetPackager.Package(Image([1, 2, 3, 5]), Reference).IndexEntry.Digest);
    }

    [Fact]
    public void Package_KernelLayer_IsAnUncompressedTarOfOneFileOwnedByRootAtEpoch()
    {
        var packaged = TargetPackager.Package(Image(), Reference);
        var manifest = ImageManifest.Parse(packaged.Manifest);
        var layer = Assert.Single(manifest.Layers);
        var blob = packaged.Blobs.Single(b => b.Digest == layer.Digest);

        Assert.Equal(MediaTypes.Layer, layer.MediaType);
        Assert.Equal("/unikraft/bin/kernel", layer.Annotation("org.unikraft.kernel.image"));
        using var reader = new TarReader(blob.Open());
        var entry = reader.GetNextEntry()!;
        Assert.Equal(("unikraft/bin/kernel", 0, 0, "", ""), (entry.Name, entry.Uid, entry.Gid, ((PosixTarEntry)entry).UserName, ((PosixTarEntry)entry).GroupName));
        Assert.Equal(DateTimeOffset.UnixEpoch, entry.ModificationTime);
        Assert.Equal((UnixFileMode)0x1ED, entry.Mode);
        using var data = new MemoryStream();
        entry.DataStream!.CopyTo(data);
        Assert.Equal([1, 2, 3, 4], data.ToArray());
        Assert.Null(reader.GetNextEntry());
    }

    [Fact]
    public void Package_Config_CarriesPlatformFeaturesDiffIdsAndRunConfiguration()
    {
        var packaged = TargetPackager.Package(Image(), Reference);
        var manifest = ImageManifest.Parse(packaged.Manifest);
        using var config = JsonDocument.Parse(packaged.Blobs.Single(b => b.Digest == manifest.Config.Digest).Open());
        var root = config.RootElement;

        Assert.Equal(("qemu", "x86_64", "0.17.0~abc"), (root.GetProperty("os").GetString(), root.GetProperty("architecture").GetString(), root.GetProperty("os.version").GetString()));
        Assert.Equal(["CONFIG_ARCH_X86_64=y", "CONFIG_PLAT_KVM=y", "CONFIG_UK_FULLVERSION=0.17.0~abc"], root.GetProperty("os.features").EnumerateArray().Select(f => f.GetString()));
        Assert.Equal(manifest.Layers.Select(l => l.Digest.Value), root.GetProperty("rootfs").GetProperty("diff_ids").EnumerateArray().Select(d => d.GetString()));
        Assert.Equal(["/http_server", "-p", "80"], root.GetProperty("config").GetProperty("Cmd").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(["PORT=8080"], root.GetProperty("config").GetProperty("Env").EnumerateArray().Select(c => c.GetString()));
        Assert.Equal(["org.example.a", "org.example.b"], root.GetProperty("config").GetProperty("Labels").EnumerateObject().Select(p => p.Name));
        Assert.Equal(packaged.IndexEntry.Platform, manifest.Config.Platform);
    }

    [Fact]
    public void Package_Annotations_AreOnTheManifestAndTheIndexEntry()
    {
        var packaged = TargetPackager.Package(Image() with { Initrd = [9, 9] }, Reference);
        var manifest = ImageManifest.Parse(packaged.Manifest);

        foreach (var annotations in new[] { manifest.Annotations!, packaged.IndexEntry.Annotations! })
        {
            Assert.Equal("0.9.2", annotations["sh.kraftkit.version"]);
            Assert.Equal("127.0.0.1:5000/helloworld", annotations["org.opencontainers.image.ref.name"]);
            Assert.Equal("127.0.0.1:5000/helloworld", annotations["org.unikraft.image.name"]);
            Assert.Equal("127.0.0.1:5000/helloworld:v1", annotations["io.containerd.image.name"]);
            Assert.Equal("0.17.0~abc", annotations["org.unikraft.kernel.version"]);
        }

        Assert.Equal("/unikraft/bin/initrd", manifest.Layers[1].Annotation("org.unikraft.kernel.initrd"));
        Assert.Equal("helloworld", packaged.IndexEntry.Annotation(KraftAnnotations.Target));
    }

    [Fact]
    public void Package_IntoLayoutsInTwoPlaces_GivesTheSameManifest()
    {
        var a = TargetPackager.Package(Image(), OciReference.Parse("oci:/tmp/one/helloworld:v1"));
        var b = TargetPackager.Package(Image(), OciReference.Parse("oci:/srv/two/helloworld:v1"));

        Assert.Equal(a.Manifest, b.Manifest);
        Assert.Equal("helloworld", ImageManifest.Parse(a.Manifest).Annotations!["org.opencontainers.image.ref.name"]);
    }

    [Fact]
    public void Merge_SameTargetAgain_ReplacesItsEntryAndKeepsTheOthers()
    {
        var x86 = TargetPackager.Package(Image(), Reference).IndexEntry;
        var arm = TargetPackager.Package(Image() with { Architecture = "arm64" }, Reference).IndexEntry;
        var x86Rebuilt = TargetPackager.Package(Image([7, 7]), Reference).IndexEntry;

        var index = IndexAssembler.Merge(IndexAssembler.Merge(null, [x86, arm]), [x86Rebuilt]);

        Assert.Equal([arm.Digest, x86Rebuilt.Digest], index.Manifests.Select(m => m.Digest));
        Assert.Equal("0.9.2", index.Annotations!["sh.kraftkit.version"]);
    }

    [Fact]
    public void Merge_TwoTargetsOnOnePlatform_KeepsBoth()
    {
        var quiet = TargetPackager.Package(Image() with { Target = "quiet" }, Reference).IndexEntry;
        var verbose = TargetPackager.Package(Image([5]) with { Target = "verbose" }, Reference).IndexEntry;

        var index = IndexAssembler.Merge(null, [verbose, quiet]);

        Assert.Equal(["quiet", "verbose"], index.Manifests.Select(m => m.Annotation(KraftAnnotations.Target)));
        Assert.Equal(index.ToJson(), IndexAssembler.Merge(null, [quiet, verbose]).ToJson());
    }
}
