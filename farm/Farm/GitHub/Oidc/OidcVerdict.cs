using System.Diagnostics.CodeAnalysis;

namespace Farm.GitHub.Oidc;

/// <summary>
/// What <see cref="GitHubOidcVerifier"/> decided about one token. Rejected: <see cref="Reason"/> says why, for the 401
/// body. Accepted: the <see cref="Claims"/> to record with the build, its <see cref="Scope"/>, and in
/// <see cref="Reason"/> why that scope.
/// </summary>
internal sealed class OidcVerdict
{
    /// <summary>The scope names <see cref="Builds.BuildRequest.Scope"/> takes.</summary>
    public const string TrustedScope = "trusted";

    public const string UntrustedScope = "untrusted";

    private OidcVerdict(GitHubOidcClaims? claims, bool trusted, string reason)
    {
        Claims = claims;
        Trusted = trusted;
        Reason = reason;
    }

    [MemberNotNullWhen(true, nameof(Claims))]
    public bool IsValid => Claims is not null;

    public GitHubOidcClaims? Claims { get; }

    /// <summary>Whether the build may write the trusted cache scope; false for every rejected token.</summary>
    public bool Trusted { get; }

    /// <summary><see cref="TrustedScope"/> or <see cref="UntrustedScope"/>; a rejected token (untrusted) must not build at all.</summary>
    public string Scope => Trusted ? TrustedScope : UntrustedScope;

    public string Reason { get; }

    public static OidcVerdict Accepted(GitHubOidcClaims claims, bool trusted, string reason)
    {
        ArgumentNullException.ThrowIfNull(claims);
        return new OidcVerdict(claims, trusted, reason);
    }

    public static OidcVerdict Rejected(string reason) => new(null, trusted: false, reason);

    public override string ToString() => IsValid ? $"accepted ({Scope}): {Reason}" : $"rejected: {Reason}";
}
