using Farm.Core.Kraftfiles;
using Farm.State.Sources;

namespace Farm.Worker.Tests.Sources;

/// <summary>
/// <c>unikraft: {source: ./path, version: X}</c>: a local git checkout builds version X, never silently its work tree,
/// and a version that cannot be honoured is refused with the Kraftfile's line.
/// </summary>
public sealed class LocalVersionTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static Task<ResolvedSources> ResolveAsync(TempDirectory temp, string unikraft)
    {
        Directory.CreateDirectory(temp.Combine("app"));
        File.WriteAllText(temp.Combine("app", "Kraftfile"), $"spec: v0.6\nname: app\nunikraft:\n{unikraft}targets:\n  - qemu/x86_64\n");
        var kraftfile = new KraftfileParser().Load(temp.Combine("app")).Kraftfile!;
        return new SourceResolver(new GitCheckoutCache(temp.Combine("cache"), policy: GitRepositoryFixture.Policy)).ResolveAsync(kraftfile, Ct);
    }

    [Fact]
    public async Task LocalCheckout_TagOtherThanHead_BuildsTheTaggedTree()
    {
        using var temp = new TempDirectory();
        var core = new GitRepositoryFixture(temp);
        var tagged = core.Commit("version.mk", "UK_SUBVERSION = 16\n");
        core.Git("tag", "RELEASE-0.16.3");
        core.Commit("version.mk", "UK_SUBVERSION = 17\n");

        var sources = await ResolveAsync(temp, "  source: ../upstream\n  version: RELEASE-0.16.3\n");

        Assert.Equal(tagged, sources.Core.Commit);
        Assert.Equal("UK_SUBVERSION = 16\n", File.ReadAllText(Path.Combine(sources.Core.Directory, "version.mk")));
        Assert.Equal("UK_SUBVERSION = 17\n", File.ReadAllText(temp.Combine("upstream", "version.mk")));
    }

    [Fact]
    public async Task LocalCheckout_HeadIsTheVersionAndClean_IsUsedInPlace()
    {
        using var temp = new TempDirectory();
        var core = new GitRepositoryFixture(temp);
        var head = core.Commit("version.mk", "UK_SUBVERSION = 17\n");
        core.Git("tag", "RELEASE-0.17.0");

        var sources = await ResolveAsync(temp, "  source: ../upstream\n  version: RELEASE-0.17.0\n");

        Assert.Equal(temp.Combine("upstream"), sources.Core.Directory);
        Assert.Equal(head, sources.Core.Commit);
    }

    [Fact]
    public async Task LocalCheckout_HeadIsTheVersionButModified_BuildsTheCommittedTree()
    {
        using var temp = new TempDirectory();
        var core = new GitRepositoryFixture(temp);
        core.Commit("version.mk", "UK_SUBVERSION = 17\n");
        File.WriteAllText(temp.Combine("upstream", "version.mk"), "UK_SUBVERSION = 99\n");

        var sources = await ResolveAsync(temp, "  source: ../upstream\n  version: main\n");

        Assert.NotEqual(temp.Combine("upstream"), sources.Core.Directory);
        Assert.Equal("UK_SUBVERSION = 17\n", File.ReadAllText(Path.Combine(sources.Core.Directory, "version.mk")));
    }

    [Fact]
    public async Task LocalCheckout_SubdirectoryOfARepository_BuildsThatDirectoryAtTheVersion()
    {
        using var temp = new TempDirectory();
        var repository = new GitRepositoryFixture(temp);
        repository.Commit("cores/uk/version.mk", "old\n");
        repository.Git("tag", "v1");
        repository.Commit("cores/uk/version.mk", "new\n");

        var sources = await ResolveAsync(temp, "  source: ../upstream/cores/uk\n  version: v1\n");

        Assert.Equal("old\n", File.ReadAllText(Path.Combine(sources.Core.Directory, "version.mk")));
    }

    [Fact]
    public async Task LocalCheckout_UnknownVersion_IsRefusedWithTheLine()
    {
        using var temp = new TempDirectory();
        new GitRepositoryFixture(temp).Commit("version.mk", "x\n");

        var error = await Assert.ThrowsAsync<SourceException>(() => ResolveAsync(temp, "  source: ../upstream\n  version: RELEASE-9.9\n"));

        Assert.Contains("Kraftfile:4: unikraft: version 'RELEASE-9.9' is neither a branch, a tag nor a commit of the git checkout at '../upstream'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LocalDirectoryNotUnderGit_WithAVersion_IsRefusedNotIgnored()
    {
        using var temp = new TempDirectory();
        Directory.CreateDirectory(temp.Combine("plain"));

        var error = await Assert.ThrowsAsync<SourceException>(() => ResolveAsync(temp, "  source: ../plain\n  version: stable\n"));

        Assert.Contains("version 'stable' is given, but source directory '../plain'", error.Message, StringComparison.Ordinal);
        Assert.Contains("is not a git checkout", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task LocalCheckout_VersionThatReadsAsAnOption_IsRefused()
    {
        using var temp = new TempDirectory();
        new GitRepositoryFixture(temp).Commit("version.mk", "x\n");

        await Assert.ThrowsAsync<SourceException>(() => ResolveAsync(temp, "  source: ../upstream\n  version: --output=/tmp/x\n"));
    }
}
