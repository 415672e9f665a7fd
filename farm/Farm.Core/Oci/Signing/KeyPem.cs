using System.Formats.Asn1;
using System.Security.Cryptography;

namespace Farm.Core.Oci.Signing;

/// <summary>
/// Reads the PEM files keys come in and names what they hold, so a wrong key (RSA, P-384, cosign's encrypted
/// format, a public key where a private one belongs) is refused with a message that says which and what to do.
/// </summary>
internal static class KeyPem
{
    public const string P256Oid = "1.2.840.10045.3.1.7";
    private const string EcPublicKeyOid = "1.2.840.10045.2.1";

    private static readonly Dictionary<string, string> Algorithms = new(StringComparer.Ordinal)
    {
        ["1.2.840.113549.1.1.1"] = "an RSA key",
        ["1.2.840.10040.4.1"] = "a DSA key",
        ["1.3.101.112"] = "an Ed25519 key",
        ["1.3.101.113"] = "an Ed448 key",
    };

    private static readonly Dictionary<string, string> Curves = new(StringComparer.Ordinal)
    {
        [P256Oid] = "P-256",
        ["1.3.132.0.34"] = "P-384",
        ["1.3.132.0.35"] = "P-521",
        ["1.3.132.0.10"] = "secp256k1",
    };

    public static string ReadFile(string path, string what)
    {
        try
        {
            return File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new SigningException($"{path}: no such {what} file");
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new SigningException($"{path}: cannot read the {what}: {ex.Message}", ex);
        }
    }

    /// <summary>Every PEM block in <paramref name="text"/>: its label and its decoded bytes (null when the base64 is bad).</summary>
    public static IEnumerable<(string Label, byte[]? Der)> Blocks(string text)
    {
        var rest = text.AsMemory();
        while (PemEncoding.TryFind(rest.Span, out var fields))
        {
            var label = rest.Span[fields.Label].ToString();
            var der = new byte[fields.DecodedDataLength];
            var decoded = Convert.TryFromBase64Chars(rest.Span[fields.Base64Data], der, out var written) && written == der.Length;
            yield return (label, decoded ? der : null);
            rest = rest[fields.Location.End..];
        }
    }

    /// <summary>What an SPKI or PKCS#8 algorithm identifier names, or null for ECDSA P-256.</summary>
    public static string? DescribeUnlessP256(ReadOnlyMemory<byte> der, bool privateKey)
    {
        try
        {
            var outer = new AsnReader(der, AsnEncodingRules.DER).ReadSequence();
            if (privateKey)
            {
                _ = outer.ReadInteger();
            }

            var algorithm = outer.ReadSequence();
            var oid = algorithm.ReadObjectIdentifier();
            if (oid != EcPublicKeyOid)
            {
                return Algorithms.TryGetValue(oid, out var name) ? name : $"a key of algorithm {oid}";
            }

            var curve = algorithm.HasData && algorithm.PeekTag() == Asn1Tag.ObjectIdentifier ? algorithm.ReadObjectIdentifier() : null;
            return curve == P256Oid ? null : $"an ECDSA key on curve {(curve is null ? "(explicit parameters)" : Curves.GetValueOrDefault(curve, curve))}";
        }
        catch (AsnContentException)
        {
            return "not valid DER";
        }
    }

    /// <summary>The curve of an imported key, or null for P-256.</summary>
    public static string? DescribeUnlessP256(ECDsa key)
    {
        var curve = key.ExportParameters(includePrivateParameters: false).Curve;
        if (curve.IsNamed && (curve.Oid.Value == P256Oid || curve.Oid.FriendlyName is "nistP256" or "ECDSA_P256" or "prime256v1" or "secp256r1"))
        {
            return null;
        }

        var name = curve.Oid?.Value is { } oid ? Curves.GetValueOrDefault(oid, curve.Oid.FriendlyName ?? oid) : "(explicit parameters)";
        return $"an ECDSA key on curve {name}";
    }
}
