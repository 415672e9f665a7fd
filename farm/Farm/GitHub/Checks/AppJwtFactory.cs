using System.Globalization;
using System.Security.Cryptography;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

namespace Farm.GitHub.Checks;

/// <summary>
/// The JWT a GitHub App authenticates as itself with (RS256, <c>iss</c> = app id). GitHub rejects one valid for more
/// than 10 minutes, and one issued "in the future" by a clock ahead of GitHub's: hence issued a minute back and expiring
/// 9 minutes ahead, 10 minutes in all.
/// </summary>
internal sealed class AppJwtFactory(long appId, RSA key, TimeProvider time)
{
    public static readonly TimeSpan ClockSkewAllowance = TimeSpan.FromSeconds(60);

    public static readonly TimeSpan Lifetime = TimeSpan.FromMinutes(9);

    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };

    private readonly SigningCredentials _credentials = new(new RsaSecurityKey(key), SecurityAlgorithms.RsaSha256)
    {
        // The shared default cache would hold a signer for this key after its client has disposed the key.
        CryptoProviderFactory = new CryptoProviderFactory { CacheSignatureProviders = false },
    };

    public string Create()
    {
        var now = time.GetUtcNow();
        return _handler.CreateToken(new SecurityTokenDescriptor
        {
            Issuer = appId.ToString(CultureInfo.InvariantCulture),
            IssuedAt = (now - ClockSkewAllowance).UtcDateTime,
            Expires = (now + Lifetime).UtcDateTime,
            SigningCredentials = _credentials,
        });
    }
}
