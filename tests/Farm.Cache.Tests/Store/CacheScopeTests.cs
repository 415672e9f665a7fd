using Farm.Cache.Store;

namespace Farm.Cache.Tests.Store;

public sealed class CacheScopeTests
{
    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("  ")]
    [InlineData("trusted")]
    public void Parse_EmptyOrTrusted_IsTheSharedScope(string? text)
    {
        var scope = CacheScope.Parse(text);

        Assert.True(scope.Trusted);
        Assert.Equal(["trusted"], scope.ReadScopes);
        Assert.Equal("trusted", scope.WriteScope);
    }

    [Fact]
    public void Parse_PullRequest_ReadsItsOwnThenSharedAndWritesOnlyItsOwn()
    {
        var scope = CacheScope.Parse("pr-42");

        Assert.False(scope.Trusted);
        Assert.Equal(["untrusted-pr-42", "trusted"], scope.ReadScopes);
        Assert.Equal("untrusted-pr-42", scope.WriteScope);
    }

    [Theory]
    [InlineData("../trusted")]
    [InlineData("trusted/../../x")]
    [InlineData("a:b")]
    [InlineData("Trusted")]
    public void Parse_AnyOtherName_NeverWritesTheSharedScopeNorLeavesItsDirectory(string text)
    {
        var scope = CacheScope.Parse(text);

        Assert.False(scope.Trusted);
        Assert.StartsWith("untrusted-", scope.WriteScope, StringComparison.Ordinal);
        Assert.DoesNotContain('/', scope.WriteScope);
        Assert.DoesNotContain(':', scope.WriteScope);
    }
}
