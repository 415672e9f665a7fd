using System.Text;
using Farm.Core.Oci.Repositories;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Core.Oci.Signing;
using Farm.Core.Tests.Oci.TestRegistry;

namespace Farm.Core.Tests.Oci.Signing;

/// <summary>Signing and verification against a real CNCF registry (docker-registry on a loopback port).</summary>
public sealed class RegistrySigningTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SignThenVerify_RegistryIndex_VerifiesWithRegistryIdentity()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        var reference = OciReference.Parse($"{registry.Host}/team/hello:latest");
        var repository = OciRepositories.Open(reference, new RegistryClientOptions { Insecure = true });
        var (index, manifests) = await PushIndexAsync(repository);
        using var pair = KeyPair.Generate();

        var signed = await IndexSigning.SignAsync(repository, reference, pair.Private, Ct);
        var again = await IndexSigning.SignAsync(repository, reference, pair.Private, Ct);
        var result = await IndexVerification.VerifyAsync(repository, reference, pair.Public, Ct);

        Assert.Equal([index, .. manifests], signed.Select(s => s.Subject.Digest));
        Assert.All(again, s => Assert.False(s.Signature.Added));
        Assert.True(result.IsVerified, string.Join("\n", result.Failures) + registry.Log);
        Assert.Equal($"{registry.Host}/team/hello", result.Identity);
        var stored = await repository.TryGetManifestAsync(SignatureManifest.TagFor(index), Ct);
        Assert.Equal(MediaTypes.ImageManifest, stored!.MediaType);
        Assert.Single(ImageManifest.Parse(stored.Bytes).Layers);
    }

    [Fact]
    public async Task Verify_OtherHostSpellingOfTheSameRegistry_FailsOnIdentity()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        var reference = OciReference.Parse($"{registry.Host}/team/hello:latest");
        var repository = OciRepositories.Open(reference, new RegistryClientOptions { Insecure = true });
        var (index, _) = await PushIndexAsync(repository);
        using var pair = KeyPair.Generate();
        await IndexSigning.SignAsync(repository, reference, pair.Private, Ct);
        var port = registry.Host[(registry.Host.LastIndexOf(':') + 1)..];

        var result = await IndexVerification.VerifyAsync(repository, reference, $"localhost:{port}/team/hello", pair.Public, Ct);

        Assert.False(result.IsVerified);
        Assert.Equal($"index {index}: payload identity is {registry.Host}/team/hello, expected localhost:{port}/team/hello", result.Failures[0]);
    }

    private static async Task<(Digest Index, Digest[] Manifests)> PushIndexAsync(IOciRepository repository)
    {
        var entries = new List<Descriptor>();
        foreach (var platform in new[] { new Platform("qemu", "x86_64"), new Platform("fc", "x86_64") })
        {
            var kernel = Encoding.UTF8.GetBytes($"kernel for {platform}");
            var config = Encoding.UTF8.GetBytes($"{{\"architecture\":\"{platform.Architecture}\",\"os\":\"{platform.Os}\"}}");
            await repository.PushBlobAsync(BlobSource.FromBytes(kernel), Ct);
            await repository.PushBlobAsync(BlobSource.FromBytes(config), Ct);
            var manifest = new ImageManifest(
                new Descriptor(MediaTypes.ImageConfig, Digest.Of(config), config.Length) { Platform = platform },
                [new Descriptor(MediaTypes.Layer, Digest.Of(kernel), kernel.Length)]).ToJson();
            var digest = await repository.PutManifestAsync(manifest, MediaTypes.ImageManifest, tag: null, Ct);
            entries.Add(new Descriptor(MediaTypes.ImageManifest, digest, manifest.Length) { Platform = platform });
        }

        var index = await repository.PutManifestAsync(new ImageIndex(entries).ToJson(), MediaTypes.ImageIndex, "latest", Ct);
        return (index, entries.Select(e => e.Digest).ToArray());
    }
}
