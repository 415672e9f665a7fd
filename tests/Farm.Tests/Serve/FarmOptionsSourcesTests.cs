using Farm.Configuration;
using Farm.Serve;

namespace Farm.Tests.Serve;

/// <summary>Farm__Sources__Allow__N is checked at start-up: a pattern that would admit local paths or helpers stops the farm, named.</summary>
public sealed class FarmOptionsSourcesTests
{
    private static FarmOptions With(params string[] patterns) =>
        new() { ApiTokens = ["0123456789abcdef"], Sources = new FarmOptions.SourceSettings { Allow = [.. patterns] } };

    [Fact]
    public void Problems_UrlGlobs_HasNone() =>
        Assert.Empty(With("https://github.com/org/*", "git@github.com:org/*", "file:///srv/mirrors/*").Problems("Host=db"));

    [Fact]
    public void Problems_PatternThatIsNotAUrlGlob_NamesItsVariable()
    {
        var problems = With("https://*", "*", "ext::*").Problems("Host=db");

        Assert.Equal(2, problems.Count);
        Assert.StartsWith("Farm__Sources__Allow__1: '*' is not a URL glob", problems[0], StringComparison.Ordinal);
        Assert.StartsWith("Farm__Sources__Allow__2: 'ext::*' is not a URL glob", problems[1], StringComparison.Ordinal);
    }

    [Fact]
    public void Policy_NothingConfigured_IsTheDefault() =>
        Assert.Equal(["https://*", "ssh://*", "git@*"], With().Sources.Policy().Patterns);
}
