using Microsoft.Extensions.Configuration;

namespace Farm.GitHub.Oidc;

/// <summary>
/// Builds authorised by GitHub Actions OIDC tokens, bound from <c>Farm:GitHub:Oidc</c>
/// (<c>Farm__GitHub__Oidc__Audience</c>, <c>Farm__GitHub__Oidc__Rules__0__RepositoryId</c>, ...). Off until a rule is
/// configured; then <see cref="Validate"/> must return nothing before the farm starts.
/// </summary>
public sealed class GitHubOidcOptions
{
    public const string Section = "Farm:GitHub:Oidc";

    public const string DefaultIssuer = "https://token.actions.githubusercontent.com";

    private const string Env = "Farm__GitHub__Oidc";

    /// <summary>The tokens' <c>iss</c>, compared exactly (GitHub Enterprise Server: <c>https://HOST/_services/token</c>).</summary>
    public string Issuer { get; init; } = DefaultIssuer;

    /// <summary>The <c>aud</c> the workflow asks for (<c>core.getIDToken(audience)</c>), e.g. the farm's URL; required once rules are set.</summary>
    public string? Audience { get; init; }

    /// <summary>Where the issuer's signing keys are; <c>{Issuer}/.well-known/jwks</c> when not set.</summary>
    public string? JwksUrl { get; init; }

    public List<GitHubOidcRule> Rules { get; init; } = [];

    /// <summary>How far <c>exp</c> and <c>nbf</c> may be off, for clocks that disagree with GitHub's.</summary>
    public int ClockSkewSeconds { get; init; } = 60;

    public bool Enabled => Rules.Count > 0;

    public TimeSpan ClockSkew => TimeSpan.FromSeconds(ClockSkewSeconds);

    public Uri JwksUri => new(JwksUrl is { Length: > 0 } url ? url : $"{Issuer.TrimEnd('/')}/.well-known/jwks", UriKind.Absolute);

    /// <summary>The options in <paramref name="configuration"/>'s <see cref="Section"/>; defaults (disabled) when it is absent.</summary>
    public static GitHubOidcOptions From(IConfiguration configuration)
    {
        ArgumentNullException.ThrowIfNull(configuration);
        return configuration.GetSection(Section).Get<GitHubOidcOptions>() ?? new GitHubOidcOptions();
    }

    /// <summary>Every problem, each naming its environment variable; empty when OIDC is off or usable.</summary>
    public IReadOnlyList<string> Validate()
    {
        var problems = new List<string>();
        if (!Enabled)
        {
            // Half a configuration is a mistake worth stopping for: the operator meant to turn OIDC on.
            if (!string.IsNullOrWhiteSpace(Audience) || !string.IsNullOrWhiteSpace(JwksUrl))
            {
                problems.Add($"{Env}__Audience or __JwksUrl is set but there is no {Env}__Rules__0__RepositoryId (or __RepositoryOwnerId): without a rule no workflow may build, so OIDC stays off");
            }

            return problems;
        }

        if (string.IsNullOrWhiteSpace(Audience))
        {
            problems.Add($"{Env}__Audience is required when {Env}__Rules__0__RepositoryId (or __RepositoryOwnerId) is set: workflows request their token for this audience, e.g. the farm's URL");
        }

        if (string.IsNullOrWhiteSpace(Issuer))
        {
            problems.Add($"{Env}__Issuer is empty: leave it unset for {DefaultIssuer}");
        }
        else if (JwksProblem() is { } jwks)
        {
            problems.Add(jwks);
        }

        if (ClockSkewSeconds is < 0 or > 600)
        {
            problems.Add($"{Env}__ClockSkewSeconds: {ClockSkewSeconds} is outside 0..600");
        }

        for (var i = 0; i < Rules.Count; i++)
        {
            problems.AddRange(Rules[i].Problems($"{Env}__Rules__{i}"));
        }

        return problems;
    }

    private string? JwksProblem()
    {
        var setting = JwksUrl is { Length: > 0 } ? $"{Env}__JwksUrl" : $"{Env}__Issuer (the keys are at {{Issuer}}/.well-known/jwks)";
        if (!Uri.TryCreate(JwksUrl is { Length: > 0 } url ? url : $"{Issuer.TrimEnd('/')}/.well-known/jwks", UriKind.Absolute, out var uri)
            || (uri.Scheme != Uri.UriSchemeHttps && uri.Scheme != Uri.UriSchemeHttp))
        {
            return $"{setting} is not an absolute http(s) URL";
        }

        // Keys fetched in the clear could be swapped on the way; plain HTTP is for a test issuer on this machine only.
        return uri.Scheme == Uri.UriSchemeHttp && !uri.IsLoopback ? $"{setting}: {uri} must be https (http only for a loopback test issuer)" : null;
    }
}
