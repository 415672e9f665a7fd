using System.Text;
using Farm.Core.Oci;
using Farm.Core.Oci.Signing;

namespace Farm.Core.Tests.Oci.Signing;

/// <summary>Each way a signature can be wrong fails verification with a reason that names the digest and the fault.</summary>
public sealed class VerificationFaultTests
{
    private const string DoesNotVerify = "signature does not verify with the given key";

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task VerifyAsync_TamperedPayload_SignatureDoesNotVerify()
    {
        using var layout = await SignedLayout.CreateAsync();
        using var pair = KeyPair.Generate();
        await IndexSigning.SignAsync(layout.Repository, layout.Reference, pair.Private, Ct);

        // Same claims, different bytes: the blob, its layer digest and the config all agree, only the signature
        // (kept from the original) no longer matches.
        var tampered = Encoding.UTF8.GetBytes(Encoding.UTF8.GetString(new CosignPayload("hello", layout.Index).ToBytes()).Replace("\"optional\":null", "\"optional\":{}", StringComparison.Ordinal));
        await ReplacePayloadAsync(layout.Repository, layout.Index, tampered);

        var result = await IndexVerification.VerifyAsync(layout.Repository, layout.Reference, pair.Public, Ct);

        Assert.False(result.IsVerified);
        Assert.Equal([$"index {layout.Index}: {DoesNotVerify}"], result.Failures);
    }

    [Fact]
    public async Task VerifyAsync_SignedByAnotherKey_NamesIndexAndEveryManifest()
    {
        using var layout = await SignedLayout.CreateAsync();
        using var signer = KeyPair.Generate();
        using var other = KeyPair.Generate();
        await IndexSigning.SignAsync(layout.Repository, layout.Reference, signer.Private, Ct);

        var result = await IndexVerification.VerifyAsync(layout.Repository, layout.Reference, other.Public, Ct);

        Assert.Equal(
            [$"index {layout.Index}: {DoesNotVerify}", $"qemu/x86_64 manifest {layout.Qemu}: {DoesNotVerify}", $"fc/x86_64 manifest {layout.Fc}: {DoesNotVerify}"],
            result.Failures);
    }

    [Fact]
    public async Task VerifyAsync_PayloadForAnotherDigest_SaysWhichDigestItIsFor()
    {
        using var layout = await SignedLayout.CreateAsync();
        using var pair = KeyPair.Generate();
        await IndexSigning.SignAsync(layout.Repository, layout.Reference, pair.Private, Ct);

        // A valid signature of the qemu manifest, presented as the fc manifest's.
        var qemuSignatures = await layout.Repository.TryGetManifestAsync(SignatureManifest.TagFor(layout.Qemu), Ct);
        await layout.Repository.PutManifestAsync(qemuSignatures!.Bytes, MediaTypes.ImageManifest, SignatureManifest.TagFor(layout.Fc), Ct);

        var result = await IndexVerification.VerifyAsync(layout.Repository, layout.Reference, pair.Public, Ct);

        Assert.Equal([$"fc/x86_64 manifest {layout.Fc}: payload is for {layout.Qemu} not {layout.Fc}"], result.Failures);
    }

    [Fact]
    public async Task VerifyAsync_OnePlatformManifestUnsigned_NamesIt()
    {
        using var layout = await SignedLayout.CreateAsync();
        using var pair = KeyPair.Generate();
        await CosignSigner.SignAsync(layout.Repository, "hello", layout.Index, pair.Private, Ct);
        await CosignSigner.SignAsync(layout.Repository, "hello", layout.Qemu, pair.Private, Ct);

        var result = await IndexVerification.VerifyAsync(layout.Repository, layout.Reference, pair.Public, Ct);

        Assert.False(result.IsVerified);
        Assert.Equal([$"fc/x86_64 manifest {layout.Fc}: no signature"], result.Failures);
    }

    [Fact]
    public async Task VerifyAsync_WrongIdentity_SaysWhichIdentityWasSigned()
    {
        using var layout = await SignedLayout.CreateAsync();
        using var pair = KeyPair.Generate();
        await IndexSigning.SignAsync(layout.Repository, layout.Reference, pair.Private, Ct);

        var result = await IndexVerification.VerifyAsync(layout.Repository, layout.Reference, "127.0.0.1:5000/hello", pair.Public, Ct);

        Assert.Equal(3, result.Failures.Count);
        Assert.Equal($"index {layout.Index}: payload identity is hello, expected 127.0.0.1:5000/hello", result.Failures[0]);
    }

    [Fact]
    public async Task VerifyAsync_CorruptPayloadBlob_SaysItCannotBeRead()
    {
        using var layout = await SignedLayout.CreateAsync();
        using var pair = KeyPair.Generate();
        var signed = await CosignSigner.SignAsync(layout.Repository, "hello", layout.Qemu, pair.Private, Ct);
        var payloadDigest = Digest.Of(new CosignPayload("hello", layout.Qemu).ToBytes());
        await File.WriteAllTextAsync(Path.Combine(layout.Directory, "blobs", "sha256", payloadDigest.Hex), "{}", Ct);

        var result = await CosignVerifier.VerifyAsync(layout.Repository, "hello", layout.Qemu, pair.Public, Ct);

        Assert.True(signed.Added);
        Assert.False(result.IsVerified);
        Assert.Contains($"payload {payloadDigest} cannot be read", result.Reason, StringComparison.Ordinal);
        Assert.Contains("is corrupt", result.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_UnsignedDigest_HasNoSignature()
    {
        using var layout = await SignedLayout.CreateAsync();
        using var pair = KeyPair.Generate();

        var result = await CosignVerifier.VerifyAsync(layout.Repository, "hello", layout.Index, pair.Public, Ct);

        Assert.False(result.IsVerified);
        Assert.Empty(result.Signatures);
        Assert.Equal("no signature", result.Reason);
    }

    /// <summary>Stores <paramref name="payload"/> in place of the signed payload of <paramref name="digest"/>, keeping its signature.</summary>
    internal static async Task ReplacePayloadAsync(IOciRepository repository, Digest digest, byte[] payload)
    {
        var fetched = await repository.TryGetManifestAsync(SignatureManifest.TagFor(digest), Ct);
        var manifest = ImageManifest.Parse(fetched!.Bytes);
        var layer = Assert.Single(manifest.Layers) with { Digest = Digest.Of(payload), Size = payload.Length };
        var config = SignatureManifest.Config([layer]);
        await repository.PushBlobAsync(BlobSource.FromBytes(payload), Ct);
        await repository.PushBlobAsync(BlobSource.FromBytes(config), Ct);
        var rewritten = new ImageManifest(new Descriptor(MediaTypes.ImageConfig, Digest.Of(config), config.Length), [layer]).ToJson();
        await repository.PutManifestAsync(rewritten, MediaTypes.ImageManifest, SignatureManifest.TagFor(digest), Ct);
    }
}
