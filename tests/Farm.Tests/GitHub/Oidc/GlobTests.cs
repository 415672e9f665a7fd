using Farm.GitHub.Oidc;

namespace Farm.Tests.GitHub.Oidc;

public sealed class GlobTests
{
    [Theory]
    [InlineData("refs/heads/main", "refs/heads/main", true)]
    [InlineData("refs/heads/main", "refs/heads/main2", false)]
    [InlineData("refs/heads/main", "refs/heads/mai", false)]
    [InlineData("refs/tags/v*", "refs/tags/v1.2.3", true)]
    [InlineData("refs/tags/v*", "refs/tags/1.2.3", false)]
    [InlineData("refs/heads/*", "refs/heads/release/1.x", true)]
    [InlineData("octo-org/app/.github/workflows/*.yml@*", "octo-org/app/.github/workflows/build.yml@refs/heads/main", true)]
    [InlineData("octo-org/app/.github/workflows/*.yml@*", "octo-org/app/.github/workflows/build.yaml@refs/heads/main", false)]
    [InlineData("octo-org/app/.github/workflows/*.yml@*", "evil/app/.github/workflows/build.yml@refs/heads/main", false)]
    [InlineData("*", "", true)]
    [InlineData("a*b*c", "aXbYbZc", true)]
    [InlineData("a*b*c", "aXbYbZ", false)]
    [InlineData("Refs/heads/main", "refs/heads/main", false)]
    public void IsMatch_Pattern_MatchesWholeText(string pattern, string text, bool expected) =>
        Assert.Equal(expected, Glob.IsMatch(pattern, text));

    [Fact]
    public void IsMatch_ManyStars_StaysFast()
    {
        var text = new string('a', 20_000);
        var pattern = string.Concat(Enumerable.Repeat("a*", 50)) + "b";

        var started = System.Diagnostics.Stopwatch.StartNew();
        Assert.False(Glob.IsMatch(pattern, text));
        Assert.True(started.Elapsed < TimeSpan.FromSeconds(5), $"took {started.Elapsed}");
    }
}
