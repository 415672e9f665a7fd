using System.Buffers.Text;
using System.Security.Cryptography;

namespace Farm.Tests.GitHub.Oidc;

/// <summary>An RSA key pair as a token issuer holds it, with its public half in JWK form for the JWKS.</summary>
internal sealed class TestSigningKey : IDisposable
{
    public TestSigningKey(string kid)
    {
        Kid = kid;
        Rsa = RSA.Create(2048);
    }

    public string Kid { get; }

    public RSA Rsa { get; }

    /// <summary>The public key as the JWKS lists it (GitHub's carry the same fields).</summary>
    public object Jwk
    {
        get
        {
            var parameters = Rsa.ExportParameters(includePrivateParameters: false);
            return new Dictionary<string, string>
            {
                ["kty"] = "RSA",
                ["alg"] = "RS256",
                ["use"] = "sig",
                ["kid"] = Kid,
                ["n"] = Base64Url.EncodeToString(parameters.Modulus),
                ["e"] = Base64Url.EncodeToString(parameters.Exponent),
            };
        }
    }

    /// <summary>The public key, PEM: what an attacker signing HS256 tokens "with the public key as the secret" would use.</summary>
    public string PublicPem => Rsa.ExportSubjectPublicKeyInfoPem();

    public void Dispose() => Rsa.Dispose();
}
