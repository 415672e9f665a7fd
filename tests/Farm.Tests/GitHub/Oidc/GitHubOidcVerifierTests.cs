using Farm.GitHub.Oidc;

namespace Farm.Tests.GitHub.Oidc;

/// <summary>Tokens as GitHub issues them: who may build, in which scope, and when a genuine token is still refused.</summary>
public sealed class GitHubOidcVerifierTests : VerifierTestBed
{
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
        var now = Clock.GetUtcNow();
        var verdict = await VerifyAsync(Verifier(OctoApp), Claims(("iat", now.AddMinutes(-20).ToUnixTimeSeconds()), ("nbf", now.AddMinutes(-20).ToUnixTimeSeconds()), ("exp", now.AddMinutes(-10).ToUnixTimeSeconds())));

        Assert.False(verdict.IsValid);
        Assert.StartsWith($"the token expired at {now.AddMinutes(-10).UtcDateTime:yyyy-MM-ddTHH:mm:ssZ} (600 s ago, beyond the 60 s allowed for clock skew)", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_ExpiredWithinTheClockSkew_IsAccepted()
    {
        var verdict = await VerifyAsync(Verifier(OctoApp), Claims(("exp", Clock.GetUtcNow().AddSeconds(-30).ToUnixTimeSeconds())));

        Assert.True(verdict.IsValid, verdict.Reason);
    }

    [Fact]
    public async Task VerifyAsync_NotYetValid_IsRejected()
    {
        var verdict = await VerifyAsync(Verifier(OctoApp), Claims(("nbf", Clock.GetUtcNow().AddMinutes(3).ToUnixTimeSeconds()), ("exp", Clock.GetUtcNow().AddMinutes(10).ToUnixTimeSeconds())));

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
        Assert.Equal($"the token was issued by 'https://token.example.test', not {Issuer.Issuer}", verdict.Reason);
    }

    [Theory]
    [InlineData("none")]
    [InlineData("HS256")]
    public async Task VerifyAsync_AlgorithmOtherThanRs256_IsRejected(string alg)
    {
        var verdict = await VerifyAsync(Verifier(OctoApp), Claims(), alg: alg);

        Assert.False(verdict.IsValid);
        Assert.Equal($"the token is signed with '{alg}'; only RS256 tokens from {Issuer.Issuer} are accepted", verdict.Reason);
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
    public void Constructor_OptionsWithProblems_Throws()
    {
        var options = new GitHubOidcOptions { Issuer = Issuer.Issuer, Rules = [OctoApp] };

        var error = Assert.Throws<ArgumentException>(() => new GitHubOidcVerifier(options, Http, Clock));

        Assert.Contains("Farm__GitHub__Oidc__Audience is required", error.Message, StringComparison.Ordinal);
    }
}
