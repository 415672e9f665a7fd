using System.Text;
using Farm.Core.Oci;
using Farm.Core.Oci.Signing;

namespace Farm.Core.Tests.Oci.Signing;

/// <summary>
/// Signatures farm writes, checked by others: <c>openssl dgst -verify</c> and npm <c>@sigstore/verify</c>
/// (tests/sigstore-verify/verify.mjs). Each gets the payload blob, the signature from the layer annotation and
/// the public key as files, exactly as they are stored; a tampered payload must fail with both.
/// </summary>
public sealed class ThirdPartyVerificationTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromMinutes(3);
    private static readonly SemaphoreSlim NpmInstall = new(1, 1);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static string SigstoreVerify => Path.Combine(TestPaths.RepositoryRoot, "tests", "sigstore-verify");

    [Fact]
    public async Task OpensslDgstVerify_FarmSignature_Verifies()
    {
        using var signed = await SignedFiles.CreateAsync();

        var (exitCode, output) = await ExternalTool.RunAsync("openssl", signed.Directory, Timeout, "dgst", "-sha256", "-verify", signed.PublicKey, "-signature", signed.SignatureDer, signed.Payload);

        Assert.True(exitCode == 0, output);
        Assert.Contains("Verified OK", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task OpensslDgstVerify_TamperedPayload_Fails()
    {
        using var signed = await SignedFiles.CreateAsync();
        signed.TamperPayload();

        var (exitCode, output) = await ExternalTool.RunAsync("openssl", signed.Directory, Timeout, "dgst", "-sha256", "-verify", signed.PublicKey, "-signature", signed.SignatureDer, signed.Payload);

        Assert.NotEqual(0, exitCode);
        Assert.Contains("Verification failure", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SigstoreVerify_FarmSignature_Verifies()
    {
        using var signed = await SignedFiles.CreateAsync();
        await InstallSigstoreVerifyAsync();

        var (exitCode, output) = await ExternalTool.RunAsync("node", SigstoreVerify, Timeout, "verify.mjs", signed.Payload, signed.SignatureBase64, signed.PublicKey);

        Assert.True(exitCode == 0, output);
        Assert.Contains("verified", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SigstoreVerify_TamperedPayload_Fails()
    {
        using var signed = await SignedFiles.CreateAsync();
        signed.TamperPayload();
        await InstallSigstoreVerifyAsync();

        var (exitCode, output) = await ExternalTool.RunAsync("node", SigstoreVerify, Timeout, "verify.mjs", signed.Payload, signed.SignatureBase64, signed.PublicKey);

        Assert.True(exitCode == 1, output);
        Assert.Contains("SIGNATURE_ERROR", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SigstoreVerify_AnotherKey_Fails()
    {
        using var signed = await SignedFiles.CreateAsync();
        using var other = KeyPair.Generate();
        await File.WriteAllTextAsync(signed.PublicKey, other.Public.ToPem(), Ct);
        await InstallSigstoreVerifyAsync();

        var (exitCode, output) = await ExternalTool.RunAsync("node", SigstoreVerify, Timeout, "verify.mjs", signed.Payload, signed.SignatureBase64, signed.PublicKey);

        Assert.True(exitCode == 1, output);
    }

    /// <summary>install.sh runs <c>npm ci</c> once; tests share the directory, so they take turns.</summary>
    private static async Task InstallSigstoreVerifyAsync()
    {
        await NpmInstall.WaitAsync(Ct);
        try
        {
            var (exitCode, output) = await ExternalTool.RunAsync("bash", SigstoreVerify, Timeout, "install.sh");
            Assert.True(exitCode == 0, $"tests/sigstore-verify/install.sh failed: {output}");
        }
        finally
        {
            NpmInstall.Release();
        }
    }

    /// <summary>A signature farm stored in a layout, taken apart into the files third-party tools read.</summary>
    private sealed class SignedFiles : IDisposable
    {
        private SignedFiles(string directory, string signatureBase64)
        {
            Directory = directory;
            SignatureBase64 = signatureBase64;
        }

        public string Directory { get; }

        public string SignatureBase64 { get; }

        public string Payload => Path.Combine(Directory, "payload.json");

        public string SignatureDer => Path.Combine(Directory, "sig.der");

        public string PublicKey => Path.Combine(Directory, "key.pub");

        public static async Task<SignedFiles> CreateAsync()
        {
            var directory = System.IO.Directory.CreateTempSubdirectory("farm-third-party-").FullName;
            var repository = new Farm.Core.Oci.Layout.OciLayoutRepository(Path.Combine(directory, "layout"));
            var image = Encoding.UTF8.GetBytes("{}");
            var digest = await repository.PutManifestAsync(image, MediaTypes.ImageManifest, "latest", Ct);
            using var pair = KeyPair.Generate();
            await CosignSigner.SignAsync(repository, "127.0.0.1:5000/hello", digest, pair.Private, Ct);

            var signatures = await repository.TryGetManifestAsync(SignatureManifest.TagFor(digest), Ct);
            var layer = Assert.Single(ImageManifest.Parse(signatures!.Bytes).Layers);
            var base64 = layer.Annotation(SignatureManifest.SignatureAnnotation)!;
            var files = new SignedFiles(directory, base64);
            await File.WriteAllBytesAsync(files.Payload, await repository.GetBlobAsync(layer.Digest, Ct), Ct);
            await File.WriteAllBytesAsync(files.SignatureDer, Convert.FromBase64String(base64), Ct);
            await File.WriteAllTextAsync(files.PublicKey, pair.Public.ToPem(), Ct);
            return files;
        }

        /// <summary>Points the payload at another digest: what an attacker would need to move a signature.</summary>
        public void TamperPayload()
        {
            var text = File.ReadAllText(Payload);
            var at = text.IndexOf("sha256:", StringComparison.Ordinal) + "sha256:".Length;
            File.WriteAllText(Payload, text[..at] + (text[at] == '0' ? '1' : '0') + text[(at + 1)..]);
        }

        public void Dispose() => System.IO.Directory.Delete(Directory, recursive: true);
    }
}
