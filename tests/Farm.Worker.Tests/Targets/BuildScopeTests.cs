using Farm.Core.Builds;
using Farm.Worker.Targets;

namespace Farm.Worker.Tests.Targets;

/// <summary>
/// What trust decides for a target: an untrusted build (a pull request, an upload) writes only its own object cache
/// scope and never reuses a trusted build directory, and one untrusted source never shares with another.
/// </summary>
public sealed class BuildScopeTests
{
    private static BuildRecord Build(string scope, string? git = null, string? upload = null) =>
        new("b1", "hello", "Kraftfile", "127.0.0.1:1/apps/hello:v1", scope, DateTimeOffset.UtcNow) { GitUrl = git, SourceDigest = upload };

    [Fact]
    public void Of_TrustedBuild_WritesTheSharedScope()
    {
        var scope = BuildScope.Of(Build("trusted", git: "https://example.invalid/a.git"));

        Assert.True(scope.Trusted);
        Assert.True(scope.Cache.Trusted);
    }

    [Fact]
    public void Of_UntrustedBuilds_OfTwoSources_HaveTwoScopesAndTwoBuildDirectories()
    {
        var fork = BuildScope.Of(Build("untrusted", git: "https://example.invalid/fork-a.git"));
        var other = BuildScope.Of(Build("untrusted", git: "https://example.invalid/fork-b.git"));
        var upload = BuildScope.Of(Build("untrusted", upload: "sha256:" + new string('0', 64)));

        Assert.False(fork.Trusted);
        Assert.False(fork.Cache.Trusted);
        Assert.Equal(3, new[] { fork.Cache.Name, other.Cache.Name, upload.Cache.Name }.Distinct().Count());
        Assert.NotEqual(fork.BuildDirectory("/w", "/src/app", "k"), other.BuildDirectory("/w", "/src/app", "k"));
    }

    [Fact]
    public void BuildDirectory_UntrustedAndTrusted_OfTheSameApp_NeverShareOne()
    {
        var trusted = BuildScope.Of(Build("trusted", git: "https://example.invalid/a.git"));
        var untrusted = BuildScope.Of(Build("untrusted", git: "https://example.invalid/a.git"));

        Assert.NotEqual(trusted.BuildDirectory("/w", "/src/app", "k"), untrusted.BuildDirectory("/w", "/src/app", "k"));
    }

    [Fact]
    public void BuildDirectory_SameScopeAppAndTarget_IsKeptBetweenBuilds()
    {
        var first = BuildScope.Of(Build("trusted") with { Id = "b1" });
        var second = BuildScope.Of(Build("trusted") with { Id = "b2" });

        Assert.Equal(first.BuildDirectory("/w", "/src/app", "k"), second.BuildDirectory("/w", "/src/app", "k"));
        Assert.NotEqual(first.BuildDirectory("/w", "/src/app", "k"), first.BuildDirectory("/w", "/src/other/app", "k"));
        Assert.StartsWith("/w/o/", first.BuildDirectory("/w", "/src/app", "k"), StringComparison.Ordinal);
    }
}
