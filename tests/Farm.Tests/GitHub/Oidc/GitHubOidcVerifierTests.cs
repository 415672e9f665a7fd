using System.Net;
using Farm.Core.Tests.Oci.TestRegistry;
using Farm.GitHub.Oidc;

namespace Farm.Tests.GitHub.Oidc;

/// <summary>The verifier against a real issuer on 127.0.0.1: real RSA keys, a JWKS over HTTP, tokens shaped like GitHub's.</summary>
public sealed class GitHubOidcVerifierTests : IAsyncLifetime
{
    private static readonly GitHubOidcRule OctoApp = new() { RepositoryId = "123456" };

    // Whole seconds, as in the tokens' iat/nbf/exp, so that reasons quoting durations are exact.
    private readonly ManualClock _clock = new(DateTimeOffset.FromUnixTimeSeconds(DateTimeOffset.UtcNow.ToUnixTimeSeconds()));
    private readonly HttpClient _http = Loopback.CreateHttpClient(TimeSpan.FromSeconds(10));
    private TestIssuer _issuer = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() => _issuer = await TestIssuer.StartAsync();

    public async ValueTask DisposeAsync()
    {
        await _issuer.DisposeAsync();
        _http.Dispose();
    }

    [Fact]
    public async Task VerifyAsync_PushToMain_IsTrustedWithTheClaimsTheFarmUses()
    {
        var verdict = await VerifyAsync(Verifier(OctoApp), Claims());

        Assert.True(verdict.IsValid, verdict.Reason);
        Assert.Equal("trusted", verdict.Scope);
        Assert.Equal("refs/heads/main is a trusted ref of octo-org/app", verdict.Reason);
        Assert.Equal(
            new GitHubOidcClaims(
                Repository: "octo-org/app",
                RepositoryId: "123456",
                RepositoryOwner: "octo-org",
                RepositoryOwnerId: "9919",
                Ref: "refs/heads/main",
                Sha: "d6f3a3c0f3e1b2a4c5d6e7f8091a2b3c4d5e6f70",
                EventName: "push",
                JobWorkflowRef: "octo-org/app/.github/workflows/build.yml@refs/heads/main",
                RunId: "1234567890"),
            verdict.Claims);
    }

    [Fact]
    public async Task VerifyAsync_PullRequestEvent_IsUntrusted()
    {
        var verdict = await VerifyAsync(Verifier(OctoApp), Claims(("event_name", "pull_request"), ("ref", "refs/pull/7/merge")));

        Assert.True(verdict.IsValid, verdict.Reason);
        Assert.Equal("untrusted", verdict.Scope);
        Assert.Equal("a pull_request event builds in the untrusted scope", verdict.Reason);
    }

    [Fact]
    public async Task VerifyAsync_PullRequestTargetOnTheTrustedRef_IsUntrusted()
    {
        // pull_request_target runs with the base branch's ref: only the event name tells it apart from a push.
        var verdict = await VerifyAsync(Verifier(OctoApp), Claims(("event_name", "pull_request_target")));

        Assert.True(verdict.IsValid, verdict.Reason);
        Assert.Equal("untrusted", verdict.Scope);
        Assert.Contains("pull_request_target", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_OtherBranch_IsUntrusted()
    {
        var verdict = await VerifyAsync(Verifier(OctoApp), Claims(("ref", "refs/heads/feature")));

        Assert.True(verdict.IsValid, verdict.Reason);
        Assert.Equal("untrusted", verdict.Scope);
        Assert.Equal("refs/heads/feature is not a trusted ref (refs/heads/main), so it builds in the untrusted scope", verdict.Reason);
    }

    [Fact]
    public async Task VerifyAsync_TrustedRefPatterns_ReplaceTheDefault()
    {
        var verifier = Verifier(new GitHubOidcRule { RepositoryId = "123456", TrustedRefs = ["refs/tags/v*"] });

        var tag = await VerifyAsync(verifier, Claims(("ref", "refs/tags/v1.2.0"), ("ref_type", "tag")));
        var main = await VerifyAsync(verifier, Claims());

        Assert.Equal("trusted", tag.Scope);
        Assert.True(main.IsValid, main.Reason);
        Assert.Equal("untrusted", main.Scope);
    }

    [Fact]
    public async Task VerifyAsync_Expired_IsRejectedNamingTheExpiry()
    {
        var now = _clock.GetUtcNow();
        var verdict = await VerifyAsync(Verifier(OctoApp), Claims(("iat", now.AddMinutes(-20).ToUnixTimeSeconds()), ("nbf", now.AddMinutes(-20).ToUnixTimeSeconds()), ("exp", now.AddMinutes(-10).ToUnixTimeSeconds())));

        Assert.False(verdict.IsValid);
        Assert.StartsWith($"the token expired at {now.AddMinutes(-10).UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} (600 s ago, beyond the 60 s allowed for clock skew)", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_ExpiredWithinTheClockSkew_IsAccepted()
    {
        var verdict = await VerifyAsync(Verifier(OctoApp), Claims(("exp", _clock.GetUtcNow().AddSeconds(-30).ToUnixTimeSeconds())));

        Assert.True(verdict.IsValid, verdict.Reason);
    }

    [Fact]
    public async Task VerifyAsync_NotYetValid_IsRejected()
    {
        var verdict = await VerifyAsync(Verifier(OctoApp), Claims(("nbf", _clock.GetUtcNow().AddMinutes(3).ToUnixTimeSeconds()), ("exp", _clock.GetUtcNow().AddMinutes(10).ToUnixTimeSeconds())));

        Assert.False(verdict.IsValid);
        Assert.Contains("is not valid before", verdict.Reason, StringComparison.Ordinal);
        Assert.Contains("180 s from now", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_WithoutExpiry_IsRejected()
    {
        var claims = Claims();
        claims.Remove("exp");

        var verdict = await VerifyAsync(Verifier(OctoApp), claims);

        Assert.Equal("the token has no expiry (exp)", verdict.Reason);
    }

    [Fact]
    public async Task VerifyAsync_WrongAudience_IsRejectedNamingBoth()
    {
        var verdict = await VerifyAsync(Verifier(OctoApp), Claims(("aud", "https://other.example.test")));

        Assert.False(verdict.IsValid);
        Assert.Equal($"the token is for audience 'https://other.example.test', not {TestIssuer.Audience}: request it with core.getIDToken('{TestIssuer.Audience}')", verdict.Reason);
    }

    [Fact]
    public async Task VerifyAsync_OneOfSeveralAudiences_IsAccepted()
    {
        var verdict = await VerifyAsync(Verifier(OctoApp), Claims(("aud", new[] { "sigstore", TestIssuer.Audience })));

        Assert.True(verdict.IsValid, verdict.Reason);
    }

    [Fact]
    public async Task VerifyAsync_WrongIssuer_IsRejectedNamingBoth()
    {
        var verdict = await VerifyAsync(Verifier(OctoApp), Claims(("iss", "https://token.example.test")));

        Assert.False(verdict.IsValid);
        Assert.Equal($"the token was issued by 'https://token.example.test', not {_issuer.Issuer}", verdict.Reason);
    }

    [Fact]
    public async Task VerifyAsync_SignedByAnotherKeyUnderAPublishedKid_IsRejected()
    {
        var forger = _issuer.NewKey("forger");

        var verdict = await VerifyAsync(Verifier(OctoApp), Claims(), key: forger, kid: _issuer.Key.Kid);

        Assert.False(verdict.IsValid);
        Assert.Equal($"the token's signature does not verify with key 'key-1' of {_issuer.JwksUrl}", verdict.Reason);
    }

    [Fact]
    public async Task VerifyAsync_SignedByAKeyNotInTheJwks_IsRejected()
    {
        var verifier = Verifier(OctoApp);
        var unpublished = _issuer.NewKey("unpublished");

        var verdict = await VerifyAsync(verifier, Claims(), key: unpublished);

        Assert.False(verdict.IsValid);
        Assert.StartsWith($"the token is signed with key 'unpublished', which is not among the issuer's keys at {_issuer.JwksUrl}", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_KeysRotated_FetchesThemAgainOnceAndAccepts()
    {
        var verifier = Verifier(OctoApp);
        Assert.True((await VerifyAsync(verifier, Claims())).IsValid);
        var rotated = _issuer.NewKey("key-2");
        _issuer.Publish(rotated);
        _clock.Advance(JwksCache.MinimumRefetchInterval);

        var verdict = await VerifyAsync(verifier, Claims(), key: rotated);

        Assert.True(verdict.IsValid, verdict.Reason);
        Assert.Equal("trusted", verdict.Scope);
        Assert.Equal(2, _issuer.JwksRequests);
    }

    [Fact]
    public async Task VerifyAsync_ManyTokens_FetchTheKeysOnce()
    {
        var verifier = Verifier(OctoApp);

        var verdicts = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => VerifyAsync(verifier, Claims())));

        Assert.All(verdicts, v => Assert.True(v.IsValid, v.Reason));
        Assert.Equal(1, _issuer.JwksRequests);
    }

    [Fact]
    public async Task VerifyAsync_UnknownKids_RefetchAtMostOncePerInterval()
    {
        var verifier = Verifier(OctoApp);
        Assert.True((await VerifyAsync(verifier, Claims())).IsValid);

        await VerifyAsync(verifier, Claims(), kid: "made-up-1");
        await VerifyAsync(verifier, Claims(), kid: "made-up-2");
        var withinInterval = _issuer.JwksRequests;
        _clock.Advance(JwksCache.MinimumRefetchInterval);
        var verdict = await VerifyAsync(verifier, Claims(), kid: "made-up-3");
        await VerifyAsync(verifier, Claims(), kid: "made-up-4");

        Assert.Equal(1, withinInterval);
        Assert.Equal(2, _issuer.JwksRequests);
        Assert.StartsWith("the token is signed with key 'made-up-3', which is not among the issuer's keys", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_KeysOutdatedAndIssuerDown_KeepsTheKnownKeys()
    {
        var verifier = Verifier(OctoApp);
        Assert.True((await VerifyAsync(verifier, Claims())).IsValid);
        _issuer.Failure = HttpStatusCode.ServiceUnavailable;
        _clock.Advance(JwksCache.MaximumAge + TimeSpan.FromMinutes(1));

        var verdict = await VerifyAsync(verifier, Claims());

        Assert.True(verdict.IsValid, verdict.Reason);
        Assert.Equal(2, _issuer.JwksRequests);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("HS256")]
    public async Task VerifyAsync_AlgorithmOtherThanRs256_IsRejected(string alg)
    {
        var verdict = await VerifyAsync(Verifier(OctoApp), Claims(), alg: alg);

        Assert.False(verdict.IsValid);
        Assert.Equal($"the token is signed with '{alg}'; only RS256 tokens from {_issuer.Issuer} are accepted", verdict.Reason);
    }

    [Fact]
    public async Task VerifyAsync_ForeignRepository_IsNotAllowed()
    {
        var verdict = await VerifyAsync(Verifier(OctoApp), Claims(("repository", "mallory/app"), ("repository_id", "666"), ("repository_owner", "mallory"), ("repository_owner_id", "777")));

        Assert.False(verdict.IsValid);
        Assert.Equal("repository mallory/app (id 666, owner mallory id 777) is not allowed to build here", verdict.Reason);
    }

    [Fact]
    public async Task VerifyAsync_OwnerIdRule_AllowsEveryRepositoryOfThatOwnerOnly()
    {
        var verifier = Verifier(new GitHubOidcRule { RepositoryOwnerId = "9919" });

        var sibling = await VerifyAsync(verifier, Claims(("repository", "octo-org/lib"), ("repository_id", "654321")));
        var stranger = await VerifyAsync(verifier, Claims(("repository", "mallory/lib"), ("repository_id", "654321"), ("repository_owner", "mallory"), ("repository_owner_id", "777")));

        Assert.True(sibling.IsValid, sibling.Reason);
        Assert.Equal("octo-org/lib", sibling.Claims.Repository);
        Assert.Equal("repository mallory/lib (id 654321, owner mallory id 777) is not allowed to build here", stranger.Reason);
    }

    [Fact]
    public async Task VerifyAsync_RuleWithBothIds_RequiresBoth()
    {
        // A repository transferred to another owner keeps its id; a rule naming both no longer lets it in.
        var verifier = Verifier(new GitHubOidcRule { RepositoryId = "123456", RepositoryOwnerId = "9919" });

        var transferred = await VerifyAsync(verifier, Claims(("repository", "elsewhere/app"), ("repository_owner", "elsewhere"), ("repository_owner_id", "5555")));

        Assert.False(transferred.IsValid);
        Assert.Contains("is not allowed to build here", transferred.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_WorkflowRule_AllowsOnlyMatchingWorkflows()
    {
        var verifier = Verifier(new GitHubOidcRule { RepositoryId = "123456", Workflows = ["octo-org/app/.github/workflows/release-*.yml@*"] });

        var release = await VerifyAsync(verifier, Claims(("job_workflow_ref", "octo-org/app/.github/workflows/release-unikernels.yml@refs/heads/main")));
        var other = await VerifyAsync(verifier, Claims());

        Assert.True(release.IsValid, release.Reason);
        Assert.False(other.IsValid);
        Assert.Equal("workflow octo-org/app/.github/workflows/build.yml@refs/heads/main is not allowed to build octo-org/app here (allowed: octo-org/app/.github/workflows/release-*.yml@*)", other.Reason);
    }

    [Fact]
    public async Task VerifyAsync_MissingClaim_IsRejectedNamingIt()
    {
        var claims = Claims();
        claims.Remove("repository_owner_id");

        var verdict = await VerifyAsync(Verifier(OctoApp), claims);

        Assert.Equal("the token's 'repository_owner_id' claim is missing or not a string; is it a GitHub Actions token?", verdict.Reason);
    }

    [Fact]
    public async Task VerifyAsync_JwksEndpointDown_IsRejectedNamingTheUrl()
    {
        var closed = new Uri($"http://127.0.0.1:{Loopback.PickFreePort()}/.well-known/jwks");
        var verifier = Verifier(OctoApp, jwksUrl: closed);

        var verdict = await VerifyAsync(verifier, Claims());

        Assert.False(verdict.IsValid);
        Assert.StartsWith($"cannot fetch the issuer's signing keys from {closed}: ", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_JwksAnswersAnError_IsRejectedWithTheStatus()
    {
        _issuer.Failure = HttpStatusCode.ServiceUnavailable;

        var verdict = await VerifyAsync(Verifier(OctoApp), Claims());

        Assert.Equal($"cannot fetch the issuer's signing keys from {_issuer.JwksUrl}: HTTP 503 Service Unavailable", verdict.Reason);
    }

    [Theory]
    [InlineData("<html>rate limited</html>", "the answer is not a JSON Web Key Set")]
    [InlineData("{\"keys\":[]}", "the answer lists no RSA signing keys")]
    public async Task VerifyAsync_JwksNotUsable_IsRejectedSayingWhy(string body, string why)
    {
        _issuer.Body = body;

        var verdict = await VerifyAsync(Verifier(OctoApp), Claims());

        Assert.Equal($"cannot fetch the issuer's signing keys from {_issuer.JwksUrl}: {why}", verdict.Reason);
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("{\"keys\":\"key-1\"}")]
    [InlineData("{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"key-1\",\"n\":\"!!\",\"e\":\"AQAB\"}]}")]
    [InlineData("{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"key-1\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}")]
    [InlineData("{\"keys\":[{\"kty\":\"EC\",\"kid\":\"key-1\",\"crv\":\"P-256\",\"x\":\"AQAB\",\"y\":\"AQAB\"}]}")]
    public async Task VerifyAsync_JwksOddlyShaped_IsRejectedWithoutThrowing(string body)
    {
        _issuer.Body = body;

        var verdict = await VerifyAsync(Verifier(OctoApp), Claims());

        Assert.False(verdict.IsValid);
        Assert.Contains(_issuer.JwksUrl.ToString(), verdict.Reason, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("exp", "soon")]
    [InlineData("nbf", "[1]")]
    [InlineData("iss", "{}")]
    [InlineData("aud", "42")]
    [InlineData("ref", "{\"a\":1}")]
    [InlineData("repository_id", "[123456]")]
    public async Task VerifyAsync_ClaimOfTheWrongType_IsRejectedWithoutThrowing(string name, string json)
    {
        var verdict = await VerifyAsync(Verifier(OctoApp), Claims((name, System.Text.Json.JsonDocument.Parse(json.StartsWith('[') || json.StartsWith('{') || char.IsDigit(json[0]) ? json : $"\"{json}\"").RootElement)));

        Assert.False(verdict.IsValid, verdict.Reason);
        Assert.DoesNotContain("Exception", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_IdsSentAsNumbers_AreReadAsTheirDigits()
    {
        var verdict = await VerifyAsync(Verifier(OctoApp), Claims(("repository_id", 123456), ("repository_owner_id", 9919), ("run_id", 1234567890L)));

        Assert.True(verdict.IsValid, verdict.Reason);
        Assert.Equal(("123456", "9919", "1234567890"), (verdict.Claims.RepositoryId, verdict.Claims.RepositoryOwnerId, verdict.Claims.RunId));
    }

    [Fact]
    public async Task VerifyAsync_JwksDownThenBack_RecoversAfterTheInterval()
    {
        var verifier = Verifier(OctoApp);
        _issuer.Failure = HttpStatusCode.BadGateway;
        var down = await VerifyAsync(verifier, Claims());
        _issuer.Failure = null;
        _clock.Advance(JwksCache.MinimumRefetchInterval);

        var back = await VerifyAsync(verifier, Claims());

        Assert.False(down.IsValid);
        Assert.True(back.IsValid, back.Reason);
    }

    [Theory]
    [InlineData("")]
    [InlineData("a.b")]
    [InlineData("a.b.c")]
    [InlineData("not a token at all")]
    [InlineData("s3cret-api-token-0123456789abcdef")]
    [InlineData("eyJ.eyJ.")]
    [InlineData("!!!.@@@.###")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.bm90IGpzb24.c2ln")]
    [InlineData("bm90IGpzb24.eyJzdWIiOiJ4In0.c2ln")]
    [InlineData("WzEsMiwzXQ.WzEsMiwzXQ.c2ln")]
    [InlineData("eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.a.b.c.d")]
    public async Task VerifyAsync_Malformed_IsRejectedWithoutThrowing(string token)
    {
        var verdict = await Verifier(OctoApp).VerifyAsync(token, Ct);

        Assert.False(verdict.IsValid);
        Assert.Equal("the bearer token is not a well-formed signed JWT (three base64url parts: a JSON header, a JSON payload, a signature)", verdict.Reason);
        Assert.Equal(0, _issuer.JwksRequests);
    }

    [Fact]
    public async Task VerifyAsync_RandomInput_NeverThrowsNorAccepts()
    {
        var verifier = Verifier(OctoApp);
        var random = new Random(20240601);
        var genuine = _issuer.Sign(Claims());
        for (var i = 0; i < 500; i++)
        {
            var token = (i % 4) switch
            {
                0 => string.Join('.', Enumerable.Range(0, 3).Select(_ => Convert.ToBase64String(RandomBytes(random)).TrimEnd('=').Replace('+', '-').Replace('/', '_'))),
                1 => Mutate(genuine, random),
                2 => new string(Enumerable.Range(0, random.Next(200)).Select(_ => (char)random.Next(32, 127)).ToArray()),
                _ => genuine[..random.Next(genuine.Length)],
            };

            var verdict = await verifier.VerifyAsync(token, Ct);

            // A changed last character can leave the decoded bytes as they were (its low bits are padding): still genuine.
            Assert.False(verdict.IsValid && !SameBytes(token, genuine), $"accepted a forged token: {token}");
        }
    }

    [Fact]
    public async Task VerifyAsync_Rejection_NeverQuotesTheToken()
    {
        var verifier = Verifier(OctoApp);
        string[] tokens =
        [
            _issuer.Sign(Claims(("aud", "elsewhere"))),
            _issuer.Sign(Claims(), alg: "none"),
            _issuer.Sign(Claims(("repository_id", "1"))),
            _issuer.Sign(Claims(), kid: new string('k', 500)),
        ];

        foreach (var token in tokens)
        {
            var verdict = await verifier.VerifyAsync(token, Ct);
            Assert.False(verdict.IsValid);
            Assert.All(token.Split('.').Where(p => p.Length > 8), part => Assert.DoesNotContain(part, verdict.Reason, StringComparison.Ordinal));
            Assert.True(verdict.Reason.Length < 400, verdict.Reason);
        }
    }

    [Fact]
    public void Constructor_OptionsWithProblems_Throws()
    {
        var options = new GitHubOidcOptions { Issuer = _issuer.Issuer, Rules = [OctoApp] };

        var error = Assert.Throws<ArgumentException>(() => new GitHubOidcVerifier(options, _http, _clock));

        Assert.Contains("Farm__GitHub__Oidc__Audience is required", error.Message, StringComparison.Ordinal);
    }

    private GitHubOidcVerifier Verifier(GitHubOidcRule rule, Uri? jwksUrl = null) =>
        new(new GitHubOidcOptions { Issuer = _issuer.Issuer, Audience = TestIssuer.Audience, JwksUrl = jwksUrl?.ToString(), Rules = [rule] }, _http, _clock);

    private Dictionary<string, object> Claims(params (string Name, object Value)[] changes)
    {
        var claims = _issuer.Claims(_clock.GetUtcNow());
        foreach (var (name, value) in changes)
        {
            claims[name] = value;
        }

        return claims;
    }

    private Task<OidcVerdict> VerifyAsync(GitHubOidcVerifier verifier, Dictionary<string, object> claims, TestSigningKey? key = null, string alg = "RS256", string? kid = null) =>
        verifier.VerifyAsync(_issuer.Sign(claims, key, alg, kid), Ct);

    private static byte[] RandomBytes(Random random)
    {
        var bytes = new byte[random.Next(1, 300)];
        random.NextBytes(bytes);
        return bytes;
    }

    private static bool SameBytes(string token, string genuine)
    {
        var parts = token.Split('.');
        var genuineParts = genuine.Split('.');
        return parts.Length == 3 && parts.Zip(genuineParts).All(p => System.Buffers.Text.Base64Url.DecodeFromChars(p.First).AsSpan().SequenceEqual(System.Buffers.Text.Base64Url.DecodeFromChars(p.Second)));
    }

    private static string Mutate(string token, Random random)
    {
        var chars = token.ToCharArray();
        const string Alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.";
        chars[random.Next(chars.Length)] = Alphabet[random.Next(Alphabet.Length)];
        return new string(chars);
    }
}
