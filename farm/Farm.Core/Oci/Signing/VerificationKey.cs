using System.Security.Cryptography;

namespace Farm.Core.Oci.Signing;

/// <summary>An ECDSA P-256 public key from an SPKI PEM (<c>-----BEGIN PUBLIC KEY-----</c>), as cosign writes <c>cosign.pub</c>.</summary>
public sealed class VerificationKey : IDisposable
{
    private const string WhatToDo = "verification takes the ECDSA P-256 public key in SPKI PEM that 'farm keygen' wrote as PREFIX.pub";

    private readonly ECDsa _key;

    private VerificationKey(ECDsa key, string source)
    {
        _key = key;
        Source = source;
    }

    /// <summary>Where the key came from, for messages.</summary>
    public string Source { get; }

    public static VerificationKey Load(string path) => FromPem(KeyPem.ReadFile(path, "public key"), path);

    public static VerificationKey FromPem(string pem, string source)
    {
        ArgumentNullException.ThrowIfNull(pem);
        var blocks = KeyPem.Blocks(pem).ToList();
        if (blocks.Count == 0)
        {
            throw new SigningException($"{source}: no PEM block found (expected -----BEGIN PUBLIC KEY-----); {WhatToDo}");
        }

        var (label, der) = blocks.Find(b => b.Label == "PUBLIC KEY");
        if (label is null)
        {
            var privateKey = blocks.Exists(b => b.Label.EndsWith("PRIVATE KEY", StringComparison.Ordinal));
            throw new SigningException(privateKey
                ? $"{source}: this is a private key; {WhatToDo} (never hand out the .pem)"
                : $"{source}: no public key in it (found {string.Join(", ", blocks.Select(b => b.Label).Distinct())}); {WhatToDo}");
        }

        if (der is null)
        {
            throw new SigningException($"{source}: the PUBLIC KEY block is not valid base64");
        }

        if (KeyPem.DescribeUnlessP256(der, privateKey: false) is { } other)
        {
            throw new SigningException($"{source}: the key is {other}; {WhatToDo}");
        }

        var key = ECDsa.Create();
        try
        {
            key.ImportSubjectPublicKeyInfo(der, out _);
            return new VerificationKey(key, source);
        }
        catch (CryptographicException ex)
        {
            key.Dispose();
            throw new SigningException($"{source}: the PUBLIC KEY block is not a readable ECDSA key ({ex.Message.TrimEnd('.')})", ex);
        }
    }

    /// <summary>True when <paramref name="signature"/> is an ASN.1 DER ECDSA signature over SHA-256 of <paramref name="data"/> by this key.</summary>
    public bool Verify(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        try
        {
            return _key.VerifyData(data, signature, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);
        }
        catch (CryptographicException)
        {
            return false;
        }
    }

    /// <summary>The key as SPKI PEM.</summary>
    public string ToPem() => _key.ExportSubjectPublicKeyInfoPem();

    public void Dispose() => _key.Dispose();

    internal static VerificationKey FromParameters(ECParameters parameters, string source)
    {
        var key = ECDsa.Create();
        key.ImportParameters(parameters);
        return new VerificationKey(key, source);
    }
}
