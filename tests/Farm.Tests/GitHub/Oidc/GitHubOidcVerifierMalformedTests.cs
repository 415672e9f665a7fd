using Farm.GitHub.Oidc;

namespace Farm.Tests.GitHub.Oidc;

/// <summary>Anything that is not a genuine token: refused with a reason, never an exception, and never quoted back.</summary>
public sealed class GitHubOidcVerifierMalformedTests : VerifierTestBed
{
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
        Assert.Equal(0, Issuer.JwksRequests);
    }

    [Fact]
    public async Task VerifyAsync_RandomInput_NeverThrowsNorAccepts()
    {
        var verifier = Verifier(OctoApp);
        var random = new Random(20240601);
        var genuine = Issuer.Sign(Claims());
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
            Issuer.Sign(Claims(("aud", "elsewhere"))),
            Issuer.Sign(Claims(), alg: "none"),
            Issuer.Sign(Claims(("repository_id", "1"))),
            Issuer.Sign(Claims(), kid: new string('k', 500)),
        ];

        foreach (var token in tokens)
        {
            var verdict = await verifier.VerifyAsync(token, Ct);
            Assert.False(verdict.IsValid);
            Assert.All(token.Split('.').Where(p => p.Length > 8), part => Assert.DoesNotContain(part, verdict.Reason, StringComparison.Ordinal));
            Assert.True(verdict.Reason.Length < 400, verdict.Reason);
        }
    }

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
