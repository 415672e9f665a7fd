using System.Buffers.Text;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json;

namespace Farm.Core.Tests.Oci.TestRegistry;

/// <summary>
/// Signs registry bearer tokens (JWS compact form) with a fresh P-256 key whose self-signed certificate goes into
/// the <c>x5c</c> header. Distribution 2.8 verifies that chain against its <c>rootcertbundle</c> (the same
/// certificate, as PEM), then the ES256 signature with the certificate's key, then iss, aud (a single string in
/// 2.8, not an array), and exp/nbf with 60 s leeway.
/// </summary>
internal sealed class TokenSigner : IDisposable
{
    private readonly ECDsa _key;
    private readonly X509Certificate2 _certificate;
    private readonly string _headerSegment;

    public TokenSigner(TimeProvider time)
    {
        Time = time;
        _key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest("CN=farm test token issuer", _key, HashAlgorithmName.SHA256);
        var now = time.GetUtcNow();
        _certificate = request.CreateSelfSigned(now.AddDays(-1), now.AddDays(7));
        CertificatePem = _certificate.ExportCertificatePem() + "\n";
        // x5c holds standard base64 (with padding) DER, not base64url: RFC 7515 §4.1.6, and Go decodes it with StdEncoding.
        _headerSegment = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new
        {
            typ = "JWT",
            alg = "ES256",
            x5c = new[] { Convert.ToBase64String(_certificate.RawData) },
        }));
    }

    public TimeProvider Time { get; }

    /// <summary>The signing certificate as PEM: the registry's <c>rootcertbundle</c>.</summary>
    public string CertificatePem { get; }

    public string Issue(string subject, string audience, IReadOnlyList<ResourceAccess> access, TimeSpan lifetime)
    {
        var now = Time.GetUtcNow();
        var claims = Base64Url.EncodeToString(JsonSerializer.SerializeToUtf8Bytes(new
        {
            iss = TokenServer.Issuer,
            sub = subject,
            aud = audience,
            exp = now.Add(lifetime).ToUnixTimeSeconds(),
            nbf = now.ToUnixTimeSeconds(),
            iat = now.ToUnixTimeSeconds(),
            jti = Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(16)),
            access = access.Select(a => new { type = a.Type, name = a.Name, actions = a.Actions }),
        }));
        var signingInput = _headerSegment + "." + claims;
        // JWS ES256 is r||s, 32 bytes each (IEEE P1363), not the DER sequence X.509 uses; libtrust checks the length.
        var signature = _key.SignData(
            Encoding.ASCII.GetBytes(signingInput), HashAlgorithmName.SHA256, DSASignatureFormat.IeeeP1363FixedFieldConcatenation);
        return signingInput + "." + Base64Url.EncodeToString(signature);
    }

    public void Dispose()
    {
        _certificate.Dispose();
        _key.Dispose();
    }
}
