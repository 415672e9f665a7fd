using Farm.Core.IO;
using Farm.Core.Oci;
using Farm.Core.Oci.Layout;
using Farm.Tests.Shared;

namespace Farm.Core.Tests.Oci.Layout;

/// <summary>An output layout whose files are links or devices: the layout writer refuses them and changes nothing outside.</summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class OciLayoutDestinationTests : IDisposable
{
    private static readonly byte[] Manifest = "{\"schemaVersion\":2,\"mediaType\":\"application/vnd.oci.image.manifest.v1+json\"}"u8.ToArray();
    private readonly string _work = Directory.CreateTempSubdirectory("farm-layout-dest-").FullName;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Fact]
    public async Task PutManifest_IndexIsSymlinkToOutsideFile_RefusedAndOutsideUnchanged()
    {
        var layout = Directory.CreateDirectory(Path.Combine(_work, "layout")).FullName;
        var outside = Path.Combine(_work, "outside.json");
        File.WriteAllText(outside, "{\"schemaVersion\":2,\"manifests\":[]}");
        File.CreateSymbolicLink(Path.Combine(layout, "index.json"), outside);

        var refused = await Assert.ThrowsAsync<RefusedWriteException>(() => new OciLayoutRepository(layout).PutManifestAsync(Manifest, MediaTypes.ImageManifest, "v1", Ct));

        Assert.Equal("{\"schemaVersion\":2,\"manifests\":[]}", File.ReadAllText(outside));
        Assert.Equal(Path.Combine(layout, "index.json"), refused.Path);
    }

    [Fact]
    public async Task PutManifest_IndexIsCharacterDevice_RefusedAndStillADevice()
    {
        Assert.SkipUnless(SpecialFiles.CanMakeDevices, "mknod needs root");
        var layout = Directory.CreateDirectory(Path.Combine(_work, "layout")).FullName;
        await new OciLayoutRepository(layout).PushBlobAsync(BlobSource.FromBytes([1]), Ct);
        File.Delete(Path.Combine(layout, "index.json"));
        SpecialFiles.NullDevice(Path.Combine(layout, "index.json"));

        await Assert.ThrowsAnyAsync<Exception>(() => new OciLayoutRepository(layout).PutManifestAsync(Manifest, MediaTypes.ImageManifest, "v1", Ct));

        Assert.Equal("character special file", SpecialFiles.TypeOf(Path.Combine(layout, "index.json")));
    }
}
