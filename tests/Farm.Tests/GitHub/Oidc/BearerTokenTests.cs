using Farm.GitHub.Oidc;

namespace Farm.Tests.GitHub.Oidc;

public sealed class BearerTokenTests
{
    // A real RS256 header and payload ({"alg":"RS256","typ":"JWT","kid":"k"} and {"sub":"x"}) with a made-up signature.
    private const string Jwt = "eyJhbGciOiJSUzI1NiIsInR5cCI6IkpXVCIsImtpZCI6ImsifQ.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";

    [Theory]
    [InlineData("Bearer abc", "abc")]
    [InlineData("bearer   abc  ", "abc")]
    [InlineData("Bearer ", null)]
    [InlineData("Basic dXNlcjpwYXNz", null)]
    [InlineData("", null)]
    [InlineData(null, null)]
    public void From_AuthorizationHeader_GivesTheBearerToken(string? header, string? expected) =>
        Assert.Equal(expected, BearerToken.From(header));

    [Theory]
    [InlineData(Jwt)]
    [InlineData("eyJhbGciOiJub25lIn0.eyJzdWIiOiJ4In0.")]
    [InlineData("IHsiYWxnIjoiUlMyNTYifQ.eyJzdWIiOiJ4In0.c2ln")]
    public void IsJwt_ThreePartsWithAJsonHeader_IsTrue(string token) =>
        Assert.True(BearerToken.IsJwt(token));

    [Theory]
    [InlineData("s3cret-api-token-0123456789abcdef")]
    [InlineData("abc.def.ghi")]
    [InlineData("my.api.token-with-dots")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9..c2ln")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2ln.extra")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9.eyJ zdWIiOiJ4In0.c2ln")]
    [InlineData("eyJhbGciOiJSUzI1NiJ9+.eyJzdWIiOiJ4In0.c2ln")]
    [InlineData("")]
    [InlineData(null)]
    public void IsJwt_AnythingElse_IsFalse(string? token) =>
        Assert.False(BearerToken.IsJwt(token));
}
