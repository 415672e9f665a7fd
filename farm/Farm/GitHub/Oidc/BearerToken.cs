using System.Buffers.Text;

namespace Farm.GitHub.Oidc;

/// <summary>
/// Tells a GitHub Actions OIDC token (a JWT) from the farm's own API tokens in <c>Authorization: Bearer X</c>.
/// Meant use, in the API's authentication: <c>var token = BearerToken.From(header)</c>; when OIDC is enabled and
/// <c>BearerToken.IsJwt(token)</c>, <see cref="GitHubOidcVerifier.VerifyAsync"/> alone decides (a rejected verdict is
/// a 401 with its <see cref="OidcVerdict.Reason"/>; an accepted one builds in its <see cref="OidcVerdict.Scope"/>);
/// otherwise <c>ApiAuthentication</c> decides as before. A JWT is never compared with the API tokens, and an API token
/// is never sent to the verifier. An API token cannot pass for a JWT unless its first part decodes to a JSON object.
/// </summary>
internal static class BearerToken
{
    private const string Scheme = "Bearer ";

    /// <summary>The token of a <c>Bearer</c> authorization header, or null for none, an empty one, or another scheme.</summary>
    public static string? From(string? authorization)
    {
        if (authorization is null || !authorization.StartsWith(Scheme, StringComparison.OrdinalIgnoreCase))
        {
            return null;
        }

        var token = authorization[Scheme.Length..].Trim();
        return token.Length == 0 ? null : token;
    }

    /// <summary>
    /// Whether <paramref name="token"/> has a JWT's shape: three base64url parts, the first a JSON object (the header).
    /// The signature part may be empty, so that an unsigned JWT reaches the verifier and gets a precise rejection.
    /// </summary>
    public static bool IsJwt(string? token)
    {
        if (token is null)
        {
            return false;
        }

        var parts = token.Split('.');
        if (parts.Length != 3 || parts[0].Length == 0 || parts[1].Length == 0 || !parts.All(IsBase64Url))
        {
            return false;
        }

        // IsValid first: the decoder throws, rather than answers false, for a length no encoding has.
        return Base64Url.IsValid(parts[0].AsSpan(), out _)
            && Base64Url.DecodeFromChars(parts[0]).AsSpan().TrimStart(" \t\r\n"u8) is [(byte)'{', ..];
    }

    private static bool IsBase64Url(string part) => part.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');
}
