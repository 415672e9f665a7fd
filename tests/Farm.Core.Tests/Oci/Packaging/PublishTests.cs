using System.Security.Cryptography;
using Farm.Core.Oci.Repositories;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Core.Oci.Layout;
using Farm.Core.Oci.Packaging;
using Farm.Core.Tests.Oci.TestRegistry;

namespace Farm.Core.Tests.Oci.Packaging;

/// <summary>Packaged targets published to the real registry and to layouts, read back by skopeo.</summary>
public sealed class PublishTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static PackagedTarget Target(OciReference reference, string platform, string architecture, byte[] kernel) =>
        TargetPackager.Package(new TargetImage("app", platform, architecture, kernel, DotConfig.Parse($"CONFIG_UK_FULLVERSION=\"0.17.0\"\nCONFIG_{architecture.ToUpperInvariant()}=y\n")), reference);

    [Fact]
    public async Task Publish_SameTargetTwice_UploadsNoBlobTwiceAndGivesTheSameDigest()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        var reference = OciReference.Parse($"{registry.Host}/team/app:v1");
        var repository = OciRepositories.Open(reference, new RegistryClientOptions { Insecure = true });
        var kernel = RandomNumberGenerator.GetBytes(200_000);

        var first = await ImagePublisher.PublishAsync(repository, "v1", [Target(reference, "qemu", "x86_64", kernel)], Ct);
        var second = await ImagePublisher.PublishAsync(repository, "v1", [Target(reference, "qemu", "x86_64", kernel)], Ct);

        Assert.Equal(2, first.BlobsUploaded);
        Assert.Equal(0, second.BlobsUploaded);
        Assert.Equal(first.IndexDigest, second.IndexDigest);
    }

    [Fact]
    public async Task Publish_TargetsOneByOne_MergeIntoOneIndexThatSkopeoCopiesWithItsDigest()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        var reference = OciReference.Parse($"{registry.Host}/team/app:v1");
        var repository = OciRepositories.Open(reference, new RegistryClientOptions { Insecure = true });
        await ImagePublisher.PublishAsync(repository, "v1", [Target(reference, "qemu", "x86_64", [1, 2, 3])], Ct);
        var result = await ImagePublisher.PublishAsync(repository, "v1", [Target(reference, "qemu", "arm64", [4, 5, 6])], Ct);
        using var layout = new TempLayout();

        var (code, output) = await Skopeo.RunAsync("copy", "--all", "--preserve-digests", "--src-tls-verify=false", $"docker://{registry.Host}/team/app:v1", $"oci:{layout.Path}:v1");

        Assert.True(code == 0, output);
        var copied = await Skopeo.RawAsync($"oci:{layout.Path}:v1");
        Assert.Equal(result.IndexDigest, Digest.Of(copied));
        Assert.Equal(["qemu/arm64", "qemu/x86_64"], ImageIndex.Parse(copied).Manifests.Select(m => m.Platform!.ToString()));
    }

    [Fact]
    public async Task Publish_ToALayout_SkopeoCopiesItIntoTheRegistryWithItsDigest()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        using var layout = new TempLayout();
        var reference = OciReference.Parse($"oci:{layout.Path}:v1");
        var result = await ImagePublisher.PublishAsync(new OciLayoutRepository(layout.Path), "v1", [Target(reference, "fc", "x86_64", [9, 9, 9]), Target(reference, "qemu", "arm64", [8])], Ct);

        var (code, output) = await Skopeo.RunAsync("copy", "--all", "--preserve-digests", "--dest-tls-verify=false", $"oci:{layout.Path}:v1", $"docker://{registry.Host}/team/copied:v1");

        Assert.True(code == 0, output);
        var pushed = await Skopeo.RawAsync($"docker://{registry.Host}/team/copied:v1");
        Assert.Equal(result.IndexDigest, Digest.Of(pushed));
    }

    [Fact]
    public async Task Publish_SameInputsToTwoLayouts_GiveByteIdenticalIndexes()
    {
        using var a = new TempLayout();
        using var b = new TempLayout();
        var reference = OciReference.Parse("127.0.0.1:5000/app:v1");
        var kernel = RandomNumberGenerator.GetBytes(5000);

        var first = await ImagePublisher.PublishAsync(new OciLayoutRepository(a.Path), "v1", [Target(reference, "qemu", "x86_64", kernel)], Ct);
        var second = await ImagePublisher.PublishAsync(new OciLayoutRepository(b.Path), "v1", [Target(reference, "qemu", "x86_64", kernel)], Ct);

        Assert.Equal(first.IndexDigest, second.IndexDigest);
        Assert.Equal(File.ReadAllBytes(Path.Combine(a.Path, "index.json")), File.ReadAllBytes(Path.Combine(b.Path, "index.json")));
    }

    private sealed class TempLayout : IDisposable
    {
        public string Path { get; } = Directory.CreateTempSubdirectory("farm-layout-").FullName;

        public void Dispose() => Directory.Delete(Path, recursive: true);
    }
}
