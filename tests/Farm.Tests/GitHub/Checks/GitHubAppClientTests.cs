using System.Net;
using Farm.GitHub.Checks;

namespace Farm.Tests.GitHub.Checks;

public sealed class GitHubAppClientTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task InstallationToken_AppJwtOnTheExchange_IsRs256SignedByTheAppKey_IssuedByTheApp_AtMostTenMinutes()
    {
        await using var github = await AppAgainstFakeGitHub.StartAsync(Ct);
        var now = github.Time.GetUtcNow().ToUnixTimeSeconds();

        var token = await github.Client.InstallationTokenAsync(42, Ct);

        var exchange = Assert.Single(github.Api.Requests);
        Assert.Equal(("POST", "/api/v3/app/installations/42/access_tokens"), (exchange.Method, exchange.Path));
        var (header, claims) = JwtAssert.SignedBy(github.Key.PublicKey, exchange.Authorization);
        Assert.Equal("RS256", header.GetProperty("alg").GetString());
        Assert.Equal(AppAgainstFakeGitHub.AppId.ToString(System.Globalization.CultureInfo.InvariantCulture), claims.GetProperty("iss").ToString());
        var iat = claims.GetProperty("iat").GetInt64();
        var exp = claims.GetProperty("exp").GetInt64();
        Assert.Equal(now - 60, iat);
        Assert.Equal(now + (9 * 60), exp);
        Assert.True(exp - iat <= 600, $"GitHub refuses an app JWT valid for more than 10 minutes; this one is valid {exp - iat} s");
        Assert.StartsWith(FakeGitHubApi.TokenPrefix, token, StringComparison.Ordinal);
        Assert.Equal([token], github.Api.IssuedTokens);
    }

    [Fact]
    public async Task InstallationToken_AskedAgainWithinTheHour_IsTheCachedOne()
    {
        await using var github = await AppAgainstFakeGitHub.StartAsync(Ct);

        var first = await github.Client.InstallationTokenAsync(42, Ct);
        github.Time.Advance(TimeSpan.FromMinutes(54));
        var second = await github.Client.InstallationTokenAsync(42, Ct);

        Assert.Equal(first, second);
        Assert.Single(github.Api.RequestsTo("POST", "/access_tokens"));
    }

    [Fact]
    public async Task InstallationToken_ManyAskingAtOnce_OneExchange()
    {
        await using var github = await AppAgainstFakeGitHub.StartAsync(Ct);

        var tokens = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => github.Client.InstallationTokenAsync(42, Ct)));

        Assert.Single(tokens.Distinct());
        Assert.Single(github.Api.RequestsTo("POST", "/access_tokens"));
    }

    [Fact]
    public async Task InstallationToken_WithinFiveMinutesOfItsExpiry_IsRenewedWithAFreshJwt()
    {
        await using var github = await AppAgainstFakeGitHub.StartAsync(Ct);
        var first = await github.Client.InstallationTokenAsync(42, Ct);

        github.Time.Advance(TimeSpan.FromMinutes(56));
        var renewed = await github.Client.InstallationTokenAsync(42, Ct);

        Assert.NotEqual(first, renewed);
        var exchanges = github.Api.RequestsTo("POST", "/api/v3/app/installations/42/access_tokens");
        Assert.Equal(2, exchanges.Count);
        var (_, claims) = JwtAssert.SignedBy(github.Key.PublicKey, exchanges[1].Authorization);
        Assert.Equal(github.Time.GetUtcNow().ToUnixTimeSeconds() - 60, claims.GetProperty("iat").GetInt64());
    }

    [Fact]
    public async Task InstallationToken_EachInstallation_HasItsOwn()
    {
        await using var github = await AppAgainstFakeGitHub.StartAsync(Ct);

        var a = await github.Client.InstallationTokenAsync(1, Ct);
        var b = await github.Client.InstallationTokenAsync(2, Ct);

        Assert.NotEqual(a, b);
        Assert.Equal(["/api/v3/app/installations/1/access_tokens", "/api/v3/app/installations/2/access_tokens"], github.Api.Requests.Select(r => r.Path));
    }

    [Fact]
    public async Task InstallationToken_ExchangeRefused_GitHubReportExceptionWithStatusAndMessage()
    {
        await using var github = await AppAgainstFakeGitHub.StartAsync(Ct);
        github.Api.Fail("POST", "/access_tokens", HttpStatusCode.Unauthorized, "A JSON web token could not be decoded");

        var e = await Assert.ThrowsAsync<GitHubReportException>(() => github.Client.InstallationTokenAsync(42, Ct));

        Assert.Equal(HttpStatusCode.Unauthorized, e.StatusCode);
        Assert.Contains("401", e.Message, StringComparison.Ordinal);
        Assert.Contains("A JSON web token could not be decoded", e.Message, StringComparison.Ordinal);
        Assert.Contains("installation 42", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task InstallationIdForRepository_AskedAsTheApp_IsTheInstallationsId()
    {
        await using var github = await AppAgainstFakeGitHub.StartAsync(Ct);
        github.Api.Install("unikraft", "app-helloworld", 777);

        var id = await github.Client.InstallationIdForRepositoryAsync("unikraft", "app-helloworld", Ct);

        Assert.Equal(777, id);
        var request = Assert.Single(github.Api.Requests);
        Assert.Equal(("GET", "/api/v3/repos/unikraft/app-helloworld/installation"), (request.Method, request.Path));
        var (_, claims) = JwtAssert.SignedBy(github.Key.PublicKey, request.Authorization);
        Assert.Equal("123456", claims.GetProperty("iss").ToString());
    }

    [Fact]
    public async Task InstallationIdForRepository_AppNotInstalled_GitHubReportExceptionWith404()
    {
        await using var github = await AppAgainstFakeGitHub.StartAsync(Ct);

        var e = await Assert.ThrowsAsync<GitHubReportException>(() => github.Client.InstallationIdForRepositoryAsync("someone", "elsewhere", Ct));

        Assert.Equal(HttpStatusCode.NotFound, e.StatusCode);
        Assert.Contains("someone/elsewhere", e.Message, StringComparison.Ordinal);
        Assert.Contains("404", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ForInstallation_BaseUrlWithAnyPathAndNoTrailingSlash_EveryRequestGoesUnderIt()
    {
        // Octokit's GitHubClient(product, store, baseAddress) would have replaced this path with /api/v3/.
        await using var github = await AppAgainstFakeGitHub.StartAsync(Ct, pathPrefix: "/github/rest", configuredBaseUrl: url => url.AbsoluteUri.TrimEnd('/'));
        github.Api.Install("unikraft", "catalog", 9);

        var installation = await github.Client.InstallationIdForRepositoryAsync("unikraft", "catalog", Ct);
        await github.Reporter.QueueAsync(new CheckRunTarget(installation, "unikraft", "catalog", new string('a', 40), "unikernel: nginx qemu/x86_64"), Ct);

        Assert.Equal(
            ["/github/rest/repos/unikraft/catalog/installation", "/github/rest/app/installations/9/access_tokens", "/github/rest/repos/unikraft/catalog/check-runs"],
            github.Api.Requests.Select(r => r.Path));
    }
}
