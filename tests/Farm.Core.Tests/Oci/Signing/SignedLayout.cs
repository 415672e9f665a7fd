using System.Text;
using Farm.Core.Oci;
using Farm.Core.Oci.Layout;

namespace Farm.Core.Tests.Oci.Signing;

/// <summary>
/// A real OCI layout directory holding an index of two tiny platform manifests (qemu/x86_64 and fc/x86_64) under
/// tag <c>latest</c>, built by hand; deleted on dispose.
/// </summary>
internal sealed class SignedLayout : IDisposable
{
    private readonly DirectoryInfo _root;

    private SignedLayout(DirectoryInfo root, OciLayoutRepository repository, Digest index, Digest qemu, Digest fc)
    {
        _root = root;
        Repository = repository;
        Index = index;
        Qemu = qemu;
        Fc = fc;
        Reference = OciReference.Parse($"oci:{Directory}:latest");
    }

    public string Directory => Path.Combine(_root.FullName, "hello");

    public OciLayoutRepository Repository { get; }

    public OciReference Reference { get; }

    public Digest Index { get; }

    public Digest Qemu { get; }

    public Digest Fc { get; }

    public static async Task<SignedLayout> CreateAsync()
    {
        var root = System.IO.Directory.CreateTempSubdirectory("farm-signing-");
        var repository = new OciLayoutRepository(Path.Combine(root.FullName, "hello"));
        var ct = TestContext.Current.CancellationToken;
        var qemu = await PushManifestAsync(repository, new Platform("qemu", "x86_64"), ct);
        var fc = await PushManifestAsync(repository, new Platform("fc", "x86_64"), ct);
        var index = new ImageIndex([qemu, fc]).ToJson();
        var indexDigest = await repository.PutManifestAsync(index, MediaTypes.ImageIndex, "latest", ct);
        return new SignedLayout(root, repository, indexDigest, qemu.Digest, fc.Digest);
    }

    public void Dispose() => _root.Delete(recursive: true);

    private static async Task<Descriptor> PushManifestAsync(OciLayoutRepository repository, Platform platform, CancellationToken ct)
    {
        var kernel = Encoding.UTF8.GetBytes($"kernel for {platform}");
        var config = Encoding.UTF8.GetBytes($"{{\"architecture\":\"{platform.Architecture}\",\"os\":\"{platform.Os}\"}}");
        await repository.PushBlobAsync(BlobSource.FromBytes(kernel), ct);
        await repository.PushBlobAsync(BlobSource.FromBytes(config), ct);
        var manifest = new ImageManifest(
            new Descriptor(MediaTypes.ImageConfig, Digest.Of(config), config.Length) { Platform = platform },
            [new Descriptor(MediaTypes.Layer, Digest.Of(kernel), kernel.Length)]).ToJson();
        var digest = await repository.PutManifestAsync(manifest, MediaTypes.ImageManifest, tag: null, ct);
        return new Descriptor(MediaTypes.ImageManifest, digest, manifest.Length) { Platform = platform };
    }
}
