using Farm.Core.Tests.Oci.TestRegistry;
using Farm.GitHub.Oidc;

namespace Farm.Tests.GitHub.Oidc;

/// <summary>
/// What the verifier tests share: a real issuer on 127.0.0.1 (RSA keys, a JWKS over HTTP), a clock they move by hand,
/// and a verifier that allows octo-org/app unless a test says otherwise. Each test gets its own.
/// </summary>
public abstract class VerifierTestBed : IAsyncLifetime
{
    protected static readonly GitHubOidcRule OctoApp = new() { RepositoryId = "123456" };

    // Whole seconds, as in the tokens' iat/nbf/exp, so that reasons quoting durations are exact.
    private protected ManualClock Clock { get; } = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));

    protected HttpClient Http { get; } = Loopback.CreateHttpClient(TimeSpan.FromSeconds(10));

    private protected TestIssuer Issuer { get; private set; } = null!;

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => Issuer = await TestIssuer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await Issuer.DisposeAsync();
        Http.Dispose();
        GC.SuppressFinalize(this);
    }

    private protected GitHubOidcVerifier Verifier(GitHubOidcRule rule, Uri? jwksUrl = null) =>
        new(new GitHubOidcOptions { Issuer = Issuer.Issuer, Audience = TestIssuer.Audience, JwksUrl = jwksUrl?.ToString(), Rules = [rule] }, Http, Clock);

    /// <summary>The claims of a push to main of octo-org/app, now, with <paramref name="changes"/>.</summary>
    protected Dictionary<string, object> Claims(params (string Name, object Value)[] changes)
    {
        var claims = Issuer.Claims(Clock.GetUtcNow());
        foreach (var (name, value) in changes)
        {
            claims[name] = value;
        }

        return claims;
    }

    private protected Task<OidcVerdict> VerifyAsync(GitHubOidcVerifier verifier, Dictionary<string, object> claims, TestSigningKey? key = null, string alg = "RS256", string? kid = null) =>
        verifier.VerifyAsync(Issuer.Sign(claims, key, alg, kid), Ct);
}
