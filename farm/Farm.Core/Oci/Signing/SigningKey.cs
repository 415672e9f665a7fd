using System.Security.Cryptography;

namespace Farm.Core.Oci.Signing;

/// <summary>
/// An ECDSA P-256 private key (cosign's default), read from an unencrypted PKCS#8 PEM
/// (<c>-----BEGIN PRIVATE KEY-----</c>) or a SEC1 one (<c>-----BEGIN EC PRIVATE KEY-----</c>). Signatures are ASN.1
/// DER over SHA-256, the form cosign writes and verifiers accept (.NET's default, r||s, is refused by them).
/// </summary>
public sealed class SigningKey : IDisposable
{
    private const string WhatToDo = "farm signs with an unencrypted ECDSA P-256 key in PKCS#8 PEM: create one with 'farm keygen --out PREFIX'";

    private static readonly Dictionary<string, string> EncryptedLabels = new(StringComparer.Ordinal)
    {
        ["ENCRYPTED SIGSTORE PRIVATE KEY"] = "is encrypted in cosign's own format (scrypt and secretbox), which farm does not read; " + WhatToDo,
        ["ENCRYPTED COSIGN PRIVATE KEY"] = "is encrypted in cosign's own format (scrypt and secretbox), which farm does not read; " + WhatToDo,
        ["ENCRYPTED PRIVATE KEY"] = "is password-encrypted PKCS#8; decrypt it ('openssl pkey -in KEY -out KEY.pem' asks for the password) or create a key with 'farm keygen --out PREFIX'",
    };

    private readonly ECDsa _key;

    private SigningKey(ECDsa key, string source)
    {
        _key = key;
        Source = source;
        PublicKey = VerificationKey.FromParameters(key.ExportParameters(includePrivateParameters: false), source);
    }

    /// <summary>Where the key came from, for messages: a file path or <c>environment variable NAME</c>.</summary>
    public string Source { get; }

    public VerificationKey PublicKey { get; }

    public static SigningKey Load(string path) => FromPem(KeyPem.ReadFile(path, "private key"), path);

    /// <summary>A key whose PEM text is the value of an environment variable (for CI secrets).</summary>
    public static SigningKey FromEnvironment(string variable)
    {
        var source = $"environment variable {variable}";
        var value = Environment.GetEnvironmentVariable(variable);
        return string.IsNullOrWhiteSpace(value)
            ? throw new SigningException($"{source} is not set; it should hold the PEM text of a private key ({WhatToDo})")
            : FromPem(value, source);
    }

    /// <summary>Reads the first private key in <paramref name="pem"/>; <paramref name="source"/> names it in errors.</summary>
    public static SigningKey FromPem(string pem, string source)
    {
        ArgumentNullException.ThrowIfNull(pem);
        var blocks = KeyPem.Blocks(pem).ToList();
        if (blocks.Count == 0)
        {
            throw new SigningException($"{source}: no PEM block found (expected -----BEGIN PRIVATE KEY-----); {WhatToDo}");
        }

        foreach (var (label, der) in blocks)
        {
            if (EncryptedLabels.TryGetValue(label, out var problem))
            {
                throw new SigningException($"{source}: the key {problem}");
            }

            if (label is "PRIVATE KEY" or "EC PRIVATE KEY")
            {
                return der is null
                    ? throw new SigningException($"{source}: the {label} block is not valid base64")
                    : Import(label, der, source);
            }
        }

        var found = string.Join(", ", blocks.Select(b => b.Label).Distinct());
        var hint = blocks.Exists(b => b.Label == "PUBLIC KEY") ? "; this is a public key (PREFIX.pub): signing needs the private key (PREFIX.pem)" : $"; {WhatToDo}";
        throw new SigningException($"{source}: no private key in it (found {found}){hint}");
    }

    /// <summary>An ASN.1 DER ECDSA signature over SHA-256 of <paramref name="data"/>.</summary>
    public byte[] Sign(ReadOnlySpan<byte> data) => _key.SignData(data, HashAlgorithmName.SHA256, DSASignatureFormat.Rfc3279DerSequence);

    /// <summary>The private key as PKCS#8 PEM.</summary>
    public string ToPem() => _key.ExportPkcs8PrivateKeyPem();

    public void Dispose()
    {
        _key.Dispose();
        PublicKey.Dispose();
    }

    internal static SigningKey Adopt(ECDsa key, string source) => new(key, source);

    private static SigningKey Import(string label, byte[] der, string source)
    {
        if (label == "PRIVATE KEY" && KeyPem.DescribeUnlessP256(der, privateKey: true) is { } other)
        {
            throw new SigningException($"{source}: the key is {other}; {WhatToDo}");
        }

        var key = ECDsa.Create();
        try
        {
            if (label == "PRIVATE KEY")
            {
                key.ImportPkcs8PrivateKey(der, out _);
            }
            else
            {
                key.ImportECPrivateKey(der, out _);
            }

            if (KeyPem.DescribeUnlessP256(key) is { } curve)
            {
                throw new SigningException($"{source}: the key is {curve}; {WhatToDo}");
            }

            return new SigningKey(key, source);
        }
        catch (CryptographicException ex)
        {
            key.Dispose();
            throw new SigningException($"{source}: the {label} block is not a readable ECDSA key ({ex.Message.TrimEnd('.')}); {WhatToDo}", ex);
        }
        catch
        {
            key.Dispose();
            throw;
        }
    }
}
