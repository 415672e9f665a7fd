using System.Text;
using Farm.Core.Oci;
using Farm.Core.Oci.Layout;

namespace Farm.Tests.Cli;

/// <summary>
/// A temporary directory with an OCI layout <c>hello</c> holding an index of two tiny manifests (qemu/x86_64 and
/// fc/x86_64) under tag <c>latest</c>, and room for key files; deleted on dispose.
/// </summary>
internal sealed class SignableLayout : IDisposable
{
    private readonly DirectoryInfo _root = Directory.CreateTempSubdirectory("farm-cli-sign-");

    private SignableLayout()
    {
        Repository = new OciLayoutRepository(LayoutDirectory);
    }

    public string LayoutDirectory => Path.Combine(_root.FullName, "hello");

    public string Reference => $"oci:{LayoutDirectory}:latest";

    public OciLayoutRepository Repository { get; }

    public Digest Index { get; private set; }

    public Digest Qemu { get; private set; }

    public Digest Fc { get; private set; }

    public static async Task<SignableLayout> CreateAsync()
    {
        var layout = new SignableLayout();
        var qemu = await layout.PushManifestAsync(new Platform("qemu", "x86_64"));
        var fc = await layout.PushManifestAsync(new Platform("fc", "x86_64"));
        layout.Qemu = qemu.Digest;
        layout.Fc = fc.Digest;
        layout.Index = await layout.Repository.PutManifestAsync(new ImageIndex([qemu, fc]).ToJson(), MediaTypes.ImageIndex, "latest", TestContext.Current.CancellationToken);
        return layout;
    }

    public string PathOf(string name) => Path.Combine(_root.FullName, name);

    public void Dispose() => _root.Delete(recursive: true);

    private async Task<Descriptor> PushManifestAsync(Platform platform)
    {
        var ct = TestContext.Current.CancellationToken;
        var kernel = Encoding.UTF8.GetBytes($"kernel for {platform}");
        var config = Encoding.UTF8.GetBytes($"{{\"architecture\":\"{platform.Architecture}\",\"os\":\"{platform.Os}\"}}");
        await Repository.PushBlobAsync(BlobSource.FromBytes(kernel), ct);
        await Repository.PushBlobAsync(BlobSource.FromBytes(config), ct);
        var manifest = new ImageManifest(
            new Descriptor(MediaTypes.ImageConfig, Digest.Of(config), config.Length) { Platform = platform },
            [new Descriptor(MediaTypes.Layer, Digest.Of(kernel), kernel.Length)]).ToJson();
        var digest = await Repository.PutManifestAsync(manifest, MediaTypes.ImageManifest, tag: null, ct);
        return new Descriptor(MediaTypes.ImageManifest, digest, manifest.Length) { Platform = platform };
    }
}
