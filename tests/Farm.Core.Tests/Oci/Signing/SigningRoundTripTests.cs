using System.Text;
using Farm.Core.Oci;
using Farm.Core.Oci.Signing;

namespace Farm.Core.Tests.Oci.Signing;

public sealed class SigningRoundTripTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task VerifyAsync_SignedIndex_VerifiesIndexAndEveryManifest()
    {
        using var layout = await SignedLayout.CreateAsync();
        using var pair = KeyPair.Generate();

        var signed = await IndexSigning.SignAsync(layout.Repository, layout.Reference, pair.Private, Ct);
        var result = await IndexVerification.VerifyAsync(layout.Repository, layout.Reference, pair.Public, Ct);

        Assert.Equal(
            [$"index {layout.Index}", $"qemu/x86_64 manifest {layout.Qemu}", $"fc/x86_64 manifest {layout.Fc}"],
            signed.Select(s => s.Subject.ToString()));
        Assert.All(signed, s => Assert.True(s.Signature.Added));
        Assert.True(result.IsVerified, string.Join("\n", result.Failures));
        Assert.Equal(3, result.Manifests.Count);
        Assert.Equal("hello", result.Identity);
    }

    [Fact]
    public async Task SignAsync_Always_StoresCosignsLayout()
    {
        using var layout = await SignedLayout.CreateAsync();
        using var pair = KeyPair.Generate();

        await CosignSigner.SignAsync(layout.Repository, "127.0.0.1:5000/hello", layout.Qemu, pair.Private, Ct);

        var fetched = await layout.Repository.TryGetManifestAsync($"sha256-{layout.Qemu.Hex}.sig", Ct);
        Assert.NotNull(fetched);
        Assert.Equal(MediaTypes.ImageManifest, fetched.MediaType);
        var manifest = ImageManifest.Parse(fetched.Bytes);
        var layer = Assert.Single(manifest.Layers);
        Assert.Equal("application/vnd.dev.cosign.simplesigning.v1+json", layer.MediaType);
        var payload = await layout.Repository.GetBlobAsync(layer.Digest, Ct);
        Assert.Equal(new CosignPayload("127.0.0.1:5000/hello", layout.Qemu).ToBytes(), payload);
        var signature = Convert.FromBase64String(layer.Annotation("dev.cosignproject.cosign/signature")!);
        Assert.True(pair.Public.Verify(payload, signature));
        Assert.Equal(MediaTypes.ImageConfig, manifest.Config.MediaType);
        Assert.Equal(
            $"{{\"architecture\":\"\",\"os\":\"\",\"config\":{{}},\"rootfs\":{{\"type\":\"layers\",\"diff_ids\":[\"{layer.Digest}\"]}}}}",
            Encoding.UTF8.GetString(await layout.Repository.GetBlobAsync(manifest.Config.Digest, Ct)));
    }

    [Fact]
    public async Task SignAsync_Twice_AddsNoDuplicateLayer()
    {
        using var layout = await SignedLayout.CreateAsync();
        using var pair = KeyPair.Generate();

        var first = await CosignSigner.SignAsync(layout.Repository, "hello", layout.Index, pair.Private, Ct);
        var second = await CosignSigner.SignAsync(layout.Repository, "hello", layout.Index, pair.Private, Ct);

        Assert.True(first.Added);
        Assert.False(second.Added);
        Assert.Equal(first.SignatureManifest, second.SignatureManifest);
        Assert.Equal(1, second.SignatureCount);
        Assert.Single(await LayersAsync(layout.Repository, layout.Index));
    }

    [Fact]
    public async Task SignAsync_SecondKey_AddsSecondLayerAndBothVerify()
    {
        using var layout = await SignedLayout.CreateAsync();
        using var alice = KeyPair.Generate();
        using var bob = KeyPair.Generate();

        await IndexSigning.SignAsync(layout.Repository, layout.Reference, alice.Private, Ct);
        await IndexSigning.SignAsync(layout.Repository, layout.Reference, bob.Private, Ct);

        Assert.Equal(2, (await LayersAsync(layout.Repository, layout.Index)).Count);
        var byAlice = await IndexVerification.VerifyAsync(layout.Repository, layout.Reference, alice.Public, Ct);
        var byBob = await IndexVerification.VerifyAsync(layout.Repository, layout.Reference, bob.Public, Ct);
        Assert.True(byAlice.IsVerified, string.Join("\n", byAlice.Failures));
        Assert.True(byBob.IsVerified, string.Join("\n", byBob.Failures));
        var verdicts = byAlice.Manifests[0].Verification.Signatures;
        Assert.Equal([true, false], verdicts.Select(v => v.Valid));
        Assert.Equal("signature does not verify with the given key", verdicts[1].Reason);
    }

    [Fact]
    public async Task SignAsync_SingleManifestReference_SignsJustIt()
    {
        using var layout = await SignedLayout.CreateAsync();
        using var pair = KeyPair.Generate();
        var reference = layout.Reference.WithDigest(layout.Qemu);

        var signed = await IndexSigning.SignAsync(layout.Repository, reference, pair.Private, Ct);

        Assert.Equal($"manifest {layout.Qemu}", Assert.Single(signed).Subject.ToString());
        Assert.True((await IndexVerification.VerifyAsync(layout.Repository, reference, pair.Public, Ct)).IsVerified);
    }

    [Fact]
    public async Task SignAsync_UnknownTag_NamesTheReference()
    {
        using var layout = await SignedLayout.CreateAsync();
        using var pair = KeyPair.Generate();
        var reference = layout.Reference.WithTag("v9");

        var error = await Assert.ThrowsAsync<SigningException>(() => IndexSigning.SignAsync(layout.Repository, reference, pair.Private, Ct));

        Assert.Equal($"{reference}: no manifest or index at v9 in {layout.Repository.Name}", error.Message);
    }

    [Fact]
    public async Task SignAsync_SigTagHoldingAnIndex_IsRefusedNamingTheTag()
    {
        using var layout = await SignedLayout.CreateAsync();
        using var pair = KeyPair.Generate();
        var tag = $"sha256-{layout.Qemu.Hex}.sig";
        await layout.Repository.PutManifestAsync(new ImageIndex([]).ToJson(), MediaTypes.ImageIndex, tag, Ct);

        var error = await Assert.ThrowsAsync<OciFormatException>(() => CosignSigner.SignAsync(layout.Repository, "hello", layout.Qemu, pair.Private, Ct));

        Assert.Contains($"tag {tag} holds a {MediaTypes.ImageIndex}, not a cosign signature manifest", error.Message, StringComparison.Ordinal);
    }

    private static async Task<IReadOnlyList<Descriptor>> LayersAsync(IOciRepository repository, Digest digest)
    {
        var fetched = await repository.TryGetManifestAsync(SignatureManifest.TagFor(digest), Ct);
        return ImageManifest.Parse(fetched!.Bytes).Layers;
    }
}
