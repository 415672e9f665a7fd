using System.Net;
using Farm.Core.Tests.Oci.TestRegistry;
using Farm.GitHub.Oidc;

namespace Farm.Tests.GitHub.Oidc;

/// <summary>The issuer's keys: signatures by other keys, rotation, caching, and an issuer that is down or answers nonsense.</summary>
public sealed class GitHubOidcVerifierKeysTests : VerifierTestBed
{
    [Fact]
    public async Task VerifyAsync_SignedByAnotherKeyUnderAPublishedKid_IsRejected()
    {
        var forger = Issuer.NewKey("forger");

        var verdict = await VerifyAsync(Verifier(OctoApp), Claims(), key: forger, kid: Issuer.Key.Kid);

        Assert.False(verdict.IsValid);
        Assert.Equal($"the token's signature does not verify with key 'key-1' of {Issuer.JwksUrl}", verdict.Reason);
    }

    [Fact]
    public async Task VerifyAsync_SignedByAKeyNotInTheJwks_IsRejected()
    {
        var verifier = Verifier(OctoApp);
        var unpublished = Issuer.NewKey("unpublished");

        var verdict = await VerifyAsync(verifier, Claims(), key: unpublished);

        Assert.False(verdict.IsValid);
        Assert.StartsWith($"the token is signed with key 'unpublished', which is not among the issuer's keys at {Issuer.JwksUrl}", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_KeysRotated_FetchesThemAgainOnceAndAccepts()
    {
        var verifier = Verifier(OctoApp);
        Assert.True((await VerifyAsync(verifier, Claims())).IsValid);
        var rotated = Issuer.NewKey("key-2");
        Issuer.Publish(rotated);
        Clock.Advance(JwksCache.MinimumRefetchInterval);

        var verdict = await VerifyAsync(verifier, Claims(), key: rotated);

        Assert.True(verdict.IsValid, verdict.Reason);
        Assert.Equal("trusted", verdict.Scope);
        Assert.Equal(2, Issuer.JwksRequests);
    }

    [Fact]
    public async Task VerifyAsync_ManyTokens_FetchTheKeysOnce()
    {
        var verifier = Verifier(OctoApp);

        var verdicts = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => VerifyAsync(verifier, Claims())));

        Assert.All(verdicts, v => Assert.True(v.IsValid, v.Reason));
        Assert.Equal(1, Issuer.JwksRequests);
    }

    [Fact]
    public async Task VerifyAsync_UnknownKids_RefetchAtMostOncePerInterval()
    {
        var verifier = Verifier(OctoApp);
        Assert.True((await VerifyAsync(verifier, Claims())).IsValid);

        await VerifyAsync(verifier, Claims(), kid: "made-up-1");
        await VerifyAsync(verifier, Claims(), kid: "made-up-2");
        var withinInterval = Issuer.JwksRequests;
        Clock.Advance(JwksCache.MinimumRefetchInterval);
        var verdict = await VerifyAsync(verifier, Claims(), kid: "made-up-3");
        await VerifyAsync(verifier, Claims(), kid: "made-up-4");

        Assert.Equal(1, withinInterval);
        Assert.Equal(2, Issuer.JwksRequests);
        Assert.StartsWith("the token is signed with key 'made-up-3', which is not among the issuer's keys", verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_KeysOutdatedAndIssuerDown_KeepsTheKnownKeys()
    {
        var verifier = Verifier(OctoApp);
        Assert.True((await VerifyAsync(verifier, Claims())).IsValid);
        Issuer.Failure = HttpStatusCode.ServiceUnavailable;
        Clock.Advance(JwksCache.MaximumAge + TimeSpan.FromMinutes(1));

        var verdict = await VerifyAsync(verifier, Claims());

        Assert.True(verdict.IsValid, verdict.Reason);
        Assert.Equal(2, Issuer.JwksRequests);
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
        Issuer.Failure = HttpStatusCode.ServiceUnavailable;

        var verdict = await VerifyAsync(Verifier(OctoApp), Claims());

        Assert.Equal($"cannot fetch the issuer's signing keys from {Issuer.JwksUrl}: HTTP 503 Service Unavailable", verdict.Reason);
    }

    [Theory]
    [InlineData("<html>rate limited</html>", "the answer is not a JSON Web Key Set")]
    [InlineData("{\"keys\":[]}", "the answer lists no RSA signing keys")]
    public async Task VerifyAsync_JwksNotUsable_IsRejectedSayingWhy(string body, string why)
    {
        Issuer.Body = body;

        var verdict = await VerifyAsync(Verifier(OctoApp), Claims());

        Assert.Equal($"cannot fetch the issuer's signing keys from {Issuer.JwksUrl}: {why}", verdict.Reason);
    }

    [Theory]
    [InlineData("[1,2]")]
    [InlineData("{\"keys\":\"key-1\"}")]
    [InlineData("{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"key-1\",\"n\":\"!!\",\"e\":\"AQAB\"}]}")]
    [InlineData("{\"keys\":[{\"kty\":\"RSA\",\"kid\":\"key-1\",\"n\":\"AQAB\",\"e\":\"AQAB\"}]}")]
    [InlineData("{\"keys\":[{\"kty\":\"EC\",\"kid\":\"key-1\",\"crv\":\"P-256\",\"x\":\"AQAB\",\"y\":\"AQAB\"}]}")]
    public async Task VerifyAsync_JwksOddlyShaped_IsRejectedWithoutThrowing(string body)
    {
        Issuer.Body = body;

        var verdict = await VerifyAsync(Verifier(OctoApp), Claims());

        Assert.False(verdict.IsValid);
        Assert.Contains(Issuer.JwksUrl.ToString(), verdict.Reason, StringComparison.Ordinal);
    }

    [Fact]
    public async Task VerifyAsync_JwksDownThenBack_RecoversAfterTheInterval()
    {
        var verifier = Verifier(OctoApp);
        Issuer.Failure = HttpStatusCode.BadGateway;
        var down = await VerifyAsync(verifier, Claims());
        Issuer.Failure = null;
        Clock.Advance(JwksCache.MinimumRefetchInterval);

        var back = await VerifyAsync(verifier, Claims());

        Assert.False(down.IsValid);
        Assert.True(back.IsValid, back.Reason);
    }
}
