using Farm.GitHub.Oidc;
using Microsoft.Extensions.Configuration;

namespace Farm.Tests.GitHub.Oidc;

public sealed class GitHubOidcOptionsTests
{
    [Fact]
    public void From_NoSection_IsDisabledWithoutProblems()
    {
        var options = GitHubOidcOptions.From(Configuration());

        Assert.False(options.Enabled);
        Assert.Empty(options.Validate());
        Assert.Equal("https://token.actions.githubusercontent.com", options.Issuer);
        Assert.Equal(new Uri("https://token.actions.githubusercontent.com/.well-known/jwks"), options.JwksUri);
        Assert.Equal(TimeSpan.FromSeconds(60), options.ClockSkew);
    }

    [Fact]
    public void From_EnvironmentStyleKeys_BindsRulesAndReplacesTheDefaultTrustedRef()
    {
        var options = GitHubOidcOptions.From(Configuration(
            ("Farm:GitHub:Oidc:Audience", "https://farm.example.test"),
            ("Farm:GitHub:Oidc:ClockSkewSeconds", "30"),
            ("Farm:GitHub:Oidc:Rules:0:RepositoryId", "123456"),
            ("Farm:GitHub:Oidc:Rules:0:TrustedRefs:0", "refs/tags/v*"),
            ("Farm:GitHub:Oidc:Rules:0:Workflows:0", "octo-org/app/.github/workflows/*.yml@*"),
            ("Farm:GitHub:Oidc:Rules:1:RepositoryOwnerId", "9919")));

        Assert.True(options.Enabled);
        Assert.Empty(options.Validate());
        Assert.Equal(TimeSpan.FromSeconds(30), options.ClockSkew);
        Assert.Equal(["refs/tags/v*"], options.Rules[0].EffectiveTrustedRefs);
        Assert.Equal(["octo-org/app/.github/workflows/*.yml@*"], options.Rules[0].Workflows);
        Assert.Equal("9919", options.Rules[1].RepositoryOwnerId);
        Assert.Equal([GitHubOidcRule.DefaultTrustedRef], options.Rules[1].EffectiveTrustedRefs);
    }

    [Fact]
    public void Validate_RulesWithoutAudience_NamesTheVariable()
    {
        var options = new GitHubOidcOptions { Rules = [new GitHubOidcRule { RepositoryId = "123456" }] };

        var problem = Assert.Single(options.Validate());

        Assert.StartsWith("Farm__GitHub__Oidc__Audience is required when Farm__GitHub__Oidc__Rules__0__RepositoryId (or __RepositoryOwnerId) is set", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_AudienceWithoutRules_SaysOidcStaysOff()
    {
        var options = new GitHubOidcOptions { Audience = "https://farm.example.test" };

        var problem = Assert.Single(options.Validate());

        Assert.Contains("there is no Farm__GitHub__Oidc__Rules__0__RepositoryId", problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_RuleWithoutIds_NamesItsIndex()
    {
        var options = Valid(new GitHubOidcRule { RepositoryId = "1" }, new GitHubOidcRule { TrustedRefs = ["refs/heads/main"] });

        var problem = Assert.Single(options.Validate());

        Assert.StartsWith("Farm__GitHub__Oidc__Rules__1__RepositoryId or Farm__GitHub__Oidc__Rules__1__RepositoryOwnerId must be set", problem, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("octo-org/app", null, "Farm__GitHub__Oidc__Rules__0__RepositoryId: 'octo-org/app' is not a number")]
    [InlineData(null, "octo-org", "Farm__GitHub__Oidc__Rules__0__RepositoryOwnerId: 'octo-org' is not a number")]
    public void Validate_NameInsteadOfId_AsksForTheNumber(string? repositoryId, string? ownerId, string expected)
    {
        var options = Valid(new GitHubOidcRule { RepositoryId = repositoryId, RepositoryOwnerId = ownerId });

        var problem = Assert.Single(options.Validate());

        Assert.StartsWith(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_EmptyPatterns_NameTheirIndex()
    {
        var options = Valid(new GitHubOidcRule { RepositoryId = "1", TrustedRefs = ["refs/heads/main", " "], Workflows = [""] });

        Assert.Collection(
            options.Validate(),
            p => Assert.StartsWith("Farm__GitHub__Oidc__Rules__0__TrustedRefs__1 is empty", p, StringComparison.Ordinal),
            p => Assert.StartsWith("Farm__GitHub__Oidc__Rules__0__Workflows__0 is empty", p, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("http://keys.example.test/jwks", "Farm__GitHub__Oidc__JwksUrl: http://keys.example.test/jwks must be https")]
    [InlineData("/jwks", "Farm__GitHub__Oidc__JwksUrl is not an absolute http(s) URL")]
    [InlineData("ftp://keys.example.test/jwks", "Farm__GitHub__Oidc__JwksUrl is not an absolute http(s) URL")]
    public void Validate_UnsafeJwksUrl_IsAProblem(string url, string expected)
    {
        var options = new GitHubOidcOptions { Audience = "a", JwksUrl = url, Rules = [new GitHubOidcRule { RepositoryId = "1" }] };

        var problem = Assert.Single(options.Validate());

        Assert.StartsWith(expected, problem, StringComparison.Ordinal);
    }

    [Fact]
    public void Validate_HttpIssuerOnLoopback_IsAllowedForTests()
    {
        var options = new GitHubOidcOptions { Issuer = "http://127.0.0.1:8080", Audience = "a", Rules = [new GitHubOidcRule { RepositoryId = "1" }] };

        Assert.Empty(options.Validate());
        Assert.Equal(new Uri("http://127.0.0.1:8080/.well-known/jwks"), options.JwksUri);
    }

    [Fact]
    public void Validate_ClockSkewOutOfRange_IsAProblem()
    {
        var options = new GitHubOidcOptions { Audience = "a", ClockSkewSeconds = 3600, Rules = [new GitHubOidcRule { RepositoryId = "1" }] };

        Assert.Equal(["Farm__GitHub__Oidc__ClockSkewSeconds: 3600 is outside 0..600"], options.Validate());
    }

    private static GitHubOidcOptions Valid(params GitHubOidcRule[] rules) => new() { Audience = "https://farm.example.test", Rules = [.. rules] };

    private static IConfiguration Configuration(params (string Key, string Value)[] values) =>
        new ConfigurationBuilder().AddInMemoryCollection(values.Select(v => new KeyValuePair<string, string?>(v.Key, v.Value))).Build();
}
