using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace Farm.Tests.GitHub.Checks;

/// <summary>Checks a JWT the way GitHub does, without the library that made it: RS256 signature by the app's public key.</summary>
internal static class JwtAssert
{
    /// <summary>The header and claims of <paramref name="authorization"/> (<c>Bearer JWT</c>), after its signature verified.</summary>
    public static (JsonElement Header, JsonElement Claims) SignedBy(RSA publicKey, string? authorization)
    {
        Assert.NotNull(authorization);
        Assert.StartsWith("Bearer ", authorization, StringComparison.Ordinal);
        var parts = authorization["Bearer ".Length..].Split('.');
        Assert.Equal(3, parts.Length);

        var signed = Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}");
        var signature = Base64Url.DecodeFromChars(parts[2]);
        Assert.True(publicKey.VerifyData(signed, signature, HashAlgorithmName.SHA256, RSASignaturePadding.Pkcs1), "the JWT's signature does not verify with the app's public key");

        return (Decode(parts[0]), Decode(parts[1]));
    }

    private static JsonElement Decode(string part) => JsonDocument.Parse(Base64Url.DecodeFromChars(part)).RootElement.Clone();
}
