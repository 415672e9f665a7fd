using System.Security.Cryptography;
using System.Text;
using Farm.Core.Oci.Signing;

namespace Farm.Core.Tests.Oci.Signing;

public sealed class SigningKeyTests
{
    private static readonly byte[] Data = Encoding.UTF8.GetBytes("payload");

    [Fact]
    public void Load_Pkcs8Pem_SignsWhatItsPublicKeyVerifies()
    {
        using var dir = new TempDirectory();
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var path = dir.Write("key.pem", ecdsa.ExportPkcs8PrivateKeyPem());

        using var key = SigningKey.Load(path);
        using var publicKey = VerificationKey.FromPem(ecdsa.ExportSubjectPublicKeyInfoPem(), "test");

        Assert.True(publicKey.Verify(Data, key.Sign(Data)));
        Assert.Equal(path, key.Source);
    }

    [Fact]
    public void Sign_Always_GivesAsn1DerNotP1363()
    {
        using var pair = KeyPair.Generate();

        var signature = pair.Private.Sign(Data);

        // A DER SEQUENCE of two INTEGERs (0x30 len 0x02 ...), 70 to 72 bytes for P-256; r||s would be exactly 64.
        Assert.Equal(0x30, signature[0]);
        Assert.Equal(signature.Length - 2, signature[1]);
        Assert.Equal(0x02, signature[2]);
    }

    [Fact]
    public void Load_Sec1EcPrivateKey_IsAccepted()
    {
        using var dir = new TempDirectory();
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var path = dir.Write("key.pem", ecdsa.ExportECPrivateKeyPem());

        using var key = SigningKey.Load(path);
        using var publicKey = VerificationKey.FromPem(ecdsa.ExportSubjectPublicKeyInfoPem(), "test");

        Assert.True(publicKey.Verify(Data, key.Sign(Data)));
    }

    [Fact]
    public void Load_P384Key_IsRefusedNamingTheFileAndCurve()
    {
        using var dir = new TempDirectory();
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var path = dir.Write("p384.pem", ecdsa.ExportPkcs8PrivateKeyPem());

        var error = Assert.Throws<SigningException>(() => SigningKey.Load(path));

        Assert.StartsWith($"{path}: the key is an ECDSA key on curve P-384;", error.Message, StringComparison.Ordinal);
        Assert.Contains("farm keygen", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_Sec1P384Key_IsRefusedNamingTheCurve()
    {
        using var dir = new TempDirectory();
        using var ecdsa = ECDsa.Create(ECCurve.NamedCurves.nistP384);
        var path = dir.Write("p384.pem", ecdsa.ExportECPrivateKeyPem());

        var error = Assert.Throws<SigningException>(() => SigningKey.Load(path));

        Assert.Contains("P-384", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_RsaKey_IsRefusedAsRsa()
    {
        using var dir = new TempDirectory();
        using var rsa = RSA.Create(2048);
        var path = dir.Write("rsa.pem", rsa.ExportPkcs8PrivateKeyPem());

        var error = Assert.Throws<SigningException>(() => SigningKey.Load(path));

        Assert.StartsWith($"{path}: the key is an RSA key;", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("ENCRYPTED SIGSTORE PRIVATE KEY", "cosign's own format")]
    [InlineData("ENCRYPTED COSIGN PRIVATE KEY", "cosign's own format")]
    [InlineData("ENCRYPTED PRIVATE KEY", "password-encrypted PKCS#8")]
    public void Load_EncryptedKey_IsRefusedSayingWhatToDo(string label, string reason)
    {
        using var dir = new TempDirectory();
        var path = dir.Write("cosign.key", $"-----BEGIN {label}-----\neyJrZGYiOnt9fQ==\n-----END {label}-----\n");

        var error = Assert.Throws<SigningException>(() => SigningKey.Load(path));

        Assert.StartsWith($"{path}: the key is ", error.Message, StringComparison.Ordinal);
        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
        Assert.Contains("farm keygen --out PREFIX", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_MissingFile_NamesIt()
    {
        using var dir = new TempDirectory();
        var path = dir.PathOf("absent.pem");

        var error = Assert.Throws<SigningException>(() => SigningKey.Load(path));

        Assert.Equal($"{path}: no such private key file", error.Message);
    }

    [Fact]
    public void Load_NotPem_NamesTheFile()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("key.pem", "this is not a key\n");

        var error = Assert.Throws<SigningException>(() => SigningKey.Load(path));

        Assert.StartsWith($"{path}: no PEM block found (expected -----BEGIN PRIVATE KEY-----)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_PublicKeyGivenAsPrivate_SaysSo()
    {
        using var dir = new TempDirectory();
        using var pair = KeyPair.Generate();
        var path = dir.Write("key.pub", pair.Public.ToPem());

        var error = Assert.Throws<SigningException>(() => SigningKey.Load(path));

        Assert.Contains("this is a public key", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Load_CorruptPkcs8_IsRefusedNamingTheFile()
    {
        using var dir = new TempDirectory();
        var path = dir.Write("key.pem", "-----BEGIN PRIVATE KEY-----\nMAMCAQA=\n-----END PRIVATE KEY-----\n");

        var error = Assert.Throws<SigningException>(() => SigningKey.Load(path));

        Assert.StartsWith($"{path}: ", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromEnvironment_VariableHoldingPem_LoadsIt()
    {
        using var pair = KeyPair.Generate();
        var variable = $"FARM_TEST_KEY_{Guid.NewGuid():N}";
        Environment.SetEnvironmentVariable(variable, pair.Private.ToPem());
        try
        {
            using var key = SigningKey.FromEnvironment(variable);

            Assert.True(pair.Public.Verify(Data, key.Sign(Data)));
            Assert.Equal($"environment variable {variable}", key.Source);
        }
        finally
        {
            Environment.SetEnvironmentVariable(variable, null);
        }
    }

    [Fact]
    public void FromEnvironment_UnsetVariable_NamesIt()
    {
        var variable = $"FARM_TEST_KEY_{Guid.NewGuid():N}";

        var error = Assert.Throws<SigningException>(() => SigningKey.FromEnvironment(variable));

        Assert.StartsWith($"environment variable {variable} is not set", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void VerificationKeyLoad_PrivateKey_SaysToUseThePublicOne()
    {
        using var dir = new TempDirectory();
        using var pair = KeyPair.Generate();
        var path = dir.Write("key.pem", pair.Private.ToPem());

        var error = Assert.Throws<SigningException>(() => VerificationKey.Load(path));

        Assert.StartsWith($"{path}: this is a private key;", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void VerificationKeyLoad_RsaPublicKey_IsRefused()
    {
        using var dir = new TempDirectory();
        using var rsa = RSA.Create(2048);
        var path = dir.Write("rsa.pub", rsa.ExportSubjectPublicKeyInfoPem());

        var error = Assert.Throws<SigningException>(() => VerificationKey.Load(path));

        Assert.StartsWith($"{path}: the key is an RSA key;", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_P1363Signature_IsRejected()
    {
        using var pair = KeyPair.Generate();
        using var ecdsa = ECDsa.Create();
        ecdsa.ImportPkcs8PrivateKey(Convert.FromBase64String(string.Concat(pair.Private.ToPem().Split('\n').Where(l => !l.StartsWith("-----", StringComparison.Ordinal)))), out _);

        var rs = ecdsa.SignData(Data, HashAlgorithmName.SHA256);

        Assert.Equal(64, rs.Length);
        Assert.False(pair.Public.Verify(Data, rs));
    }
}
