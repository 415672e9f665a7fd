using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;

using Farm.Http;

namespace Farm.GitHub.Oidc;

/// <summary>
/// Decides whether a GitHub Actions OIDC token may build here, and in which cache scope: RS256 signature by a key of
/// the issuer's JWKS, then <c>iss</c>, <c>aud</c>, <c>exp</c>/<c>nbf</c>, then the configured rules. Bad input of any
/// kind is a rejected <see cref="OidcVerdict"/> with a reason for the 401 body, never an exception; the token itself
/// is never logged, kept or echoed, and claims are quoted in reasons only once the signature holds.
/// One instance per farm (a singleton): it holds the issuer's keys, so a new instance per request would fetch them each time.
/// </summary>
internal sealed class GitHubOidcVerifier
{
    private const string Algorithm = SecurityAlgorithms.RsaSha256;

    // Events whose workflow runs for code from a pull request. pull_request_target checks out the base branch by
    // default, so its ref looks trusted; the event name is what gives it away. Other pull-request events carry
    // refs/pull/N/... refs, which no trusted pattern should match.
    private static readonly HashSet<string> PullRequestEvents = new(StringComparer.Ordinal) { "pull_request", "pull_request_target" };

    private readonly GitHubOidcOptions _options;
    private readonly JwksCache _keys;
    private readonly TimeProvider _time;
    private readonly JsonWebTokenHandler _handler = new();

    /// <param name="options">Enabled and valid (<see cref="GitHubOidcOptions.Validate"/> empty), else this throws.</param>
    /// <param name="http">For the JWKS; its timeout bounds how long a request can wait for the keys.</param>
    public GitHubOidcVerifier(GitHubOidcOptions options, HttpClient http, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(http);
        ArgumentNullException.ThrowIfNull(time);
        if (!options.Enabled || options.Validate() is { Count: > 0 })
        {
            throw new ArgumentException($"GitHub OIDC options are not usable: {string.Join("; ", options.Validate().DefaultIfEmpty("no rules"))}", nameof(options));
        }

        _options = options;
        _time = time;
        _keys = new JwksCache(options.JwksUri, http, time);
    }

    public async Task<OidcVerdict> VerifyAsync(string jwt, CancellationToken cancellationToken)
    {
        if (Read(jwt) is not { } token)
        {
            return OidcVerdict.Rejected("the bearer token is not a well-formed signed JWT (three base64url parts: a JSON header, a JSON payload, a signature)");
        }

        if (token.Alg != Algorithm)
        {
            return OidcVerdict.Rejected($"the token is signed with '{UntrustedText.Quote(token.Alg)}'; only {Algorithm} tokens from {_options.Issuer} are accepted");
        }

        if (string.IsNullOrEmpty(token.Kid))
        {
            return OidcVerdict.Rejected("the token's header names no signing key (kid)");
        }

        var (key, problem) = await _keys.FindAsync(token.Kid, cancellationToken).ConfigureAwait(false);
        if (key is null)
        {
            return OidcVerdict.Rejected(problem ?? $"no key '{UntrustedText.Quote(token.Kid)}' at {_keys.Url}");
        }

        var signature = await _handler.ValidateTokenAsync(token, SignatureOnly(key)).ConfigureAwait(false);
        if (!signature.IsValid)
        {
            return OidcVerdict.Rejected($"the token's signature does not verify with key '{UntrustedText.Quote(token.Kid)}' of {_keys.Url}");
        }

        return Authenticate(token) is { } failure ? OidcVerdict.Rejected(failure) : Authorise(token);
    }

    /// <summary>The parsed token, or null for anything that is not a compact JWS (JWE included).</summary>
    private JsonWebToken? Read(string? jwt)
    {
        if (string.IsNullOrEmpty(jwt) || !_handler.CanReadToken(jwt))
        {
            return null;
        }

        try
        {
            var token = _handler.ReadJsonWebToken(jwt);
            // The lifetime is parsed lazily; a malformed exp or nbf should fail here, as a malformed token.
            _ = token.ValidTo;
            _ = token.ValidFrom;
            return token.IsEncrypted ? null : token;
        }
        catch (Exception e) when (e is ArgumentException or SecurityTokenException or FormatException or InvalidOperationException or System.Text.Json.JsonException)
        {
            return null;
        }
    }

    // Issuer, audience and lifetime are checked by hand afterwards, for reasons that say which one failed and by how much.
    private static TokenValidationParameters SignatureOnly(JsonWebKey key) => new()
    {
        IssuerSigningKey = key,
        ValidAlgorithms = [Algorithm],
        RequireSignedTokens = true,
        ValidateIssuerSigningKey = false,
        ValidateIssuer = false,
        ValidateAudience = false,
        ValidateLifetime = false,
        RequireExpirationTime = false,
    };

    private string? Authenticate(JsonWebToken token)
    {
        if (token.Issuer != _options.Issuer)
        {
            return $"the token was issued by '{UntrustedText.Quote(token.Issuer)}', not {_options.Issuer}";
        }

        var audiences = token.Audiences.ToList();
        if (audiences.Count == 0)
        {
            return "the token names no audience (aud)";
        }

        if (!audiences.Contains(_options.Audience, StringComparer.Ordinal))
        {
            return $"the token is for audience '{UntrustedText.Quote(string.Join("', '", audiences))}', not {_options.Audience}: request it with core.getIDToken('{_options.Audience}')";
        }

        var now = _time.GetUtcNow().UtcDateTime;
        if (token.ValidTo == DateTime.MinValue)
        {
            return "the token has no expiry (exp)";
        }

        if (now > token.ValidTo + _options.ClockSkew)
        {
            return $"the token expired at {token.ValidTo:yyyy-MM-ddTHH:mm:ssZ} ({(now - token.ValidTo).TotalSeconds:0} s ago, beyond the {_options.ClockSkewSeconds} s allowed for clock skew); request a fresh one";
        }

        if (token.ValidFrom != DateTime.MinValue && now < token.ValidFrom - _options.ClockSkew)
        {
            return $"the token is not valid before {token.ValidFrom:yyyy-MM-ddTHH:mm:ssZ} (nbf), {(token.ValidFrom - now).TotalSeconds:0} s from now";
        }

        return null;
    }

    private OidcVerdict Authorise(JsonWebToken token)
    {
        var (claims, missing) = GitHubOidcClaims.From(token);
        if (claims is null)
        {
            return OidcVerdict.Rejected($"the token's '{missing}' claim is missing or not a string; is it a GitHub Actions token?");
        }

        var repository = $"repository {claims.Repository} (id {claims.RepositoryId}, owner {claims.RepositoryOwner} id {claims.RepositoryOwnerId})";
        var covering = _options.Rules.Where(r => r.Covers(claims)).ToList();
        if (covering.Count == 0)
        {
            return OidcVerdict.Rejected($"{repository} is not allowed to build here");
        }

        var allowed = covering.Where(r => r.AllowsWorkflow(claims.JobWorkflowRef)).ToList();
        if (allowed.Count == 0)
        {
            var patterns = string.Join(", ", covering.SelectMany(r => r.Workflows).Distinct());
            return OidcVerdict.Rejected($"workflow {claims.JobWorkflowRef} is not allowed to build {claims.Repository} here (allowed: {patterns})");
        }

        if (PullRequestEvents.Contains(claims.EventName))
        {
            return OidcVerdict.Accepted(claims, trusted: false, $"a {claims.EventName} event builds in the untrusted scope");
        }

        if (allowed.Exists(r => r.Trusts(claims.Ref)))
        {
            return OidcVerdict.Accepted(claims, trusted: true, $"{claims.Ref} is a trusted ref of {claims.Repository}");
        }

        var trustedRefs = string.Join(", ", allowed.SelectMany(r => r.EffectiveTrustedRefs).Distinct());
        return OidcVerdict.Accepted(claims, trusted: false, $"{claims.Ref} is not a trusted ref ({trustedRefs}), so it builds in the untrusted scope");
    }
}
