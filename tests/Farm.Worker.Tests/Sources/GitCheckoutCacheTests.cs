using Farm.State.Sources;

namespace Farm.Worker.Tests.Sources;

/// <summary>Git sources resolved through the checkout cache, against a real repository over file://.</summary>
public sealed class GitCheckoutCacheTests
{
    [Fact]
    public async Task Checkout_Branch_GivesTheBranchTipContent()
    {
        using var temp = new TempDirectory();
        var upstream = new GitRepositoryFixture(temp);
        var tip = upstream.Commit("lib.c", "int v = 1;\n");

        var resolved = await new GitCheckoutCache(temp.Combine("cache"), policy: GitRepositoryFixture.Policy).CheckoutAsync("libraries.x", upstream.Url, "main", CancellationToken.None);

        Assert.Equal(tip, resolved.Commit);
        Assert.Equal("int v = 1;\n", File.ReadAllText(Path.Combine(resolved.Directory, "lib.c")));
    }

    [Fact]
    public async Task Checkout_TagAndCommit_GiveThatVersionNotTheTip()
    {
        using var temp = new TempDirectory();
        var upstream = new GitRepositoryFixture(temp);
        var first = upstream.Commit("lib.c", "int v = 1;\n");
        upstream.Git("tag", "v1.0");
        upstream.Commit("lib.c", "int v = 2;\n");
        var cache = new GitCheckoutCache(temp.Combine("cache"), policy: GitRepositoryFixture.Policy);

        var tagged = await cache.CheckoutAsync("unikraft", upstream.Url, "v1.0", CancellationToken.None);
        var byCommit = await cache.CheckoutAsync("unikraft", upstream.Url, first, CancellationToken.None);
        var byShortCommit = await cache.CheckoutAsync("unikraft", upstream.Url, first[..10], CancellationToken.None);

        Assert.All(new[] { tagged, byCommit, byShortCommit }, r => Assert.Equal(first, r.Commit));
        Assert.Equal("int v = 1;\n", File.ReadAllText(Path.Combine(tagged.Directory, "lib.c")));
    }

    [Fact]
    public async Task Checkout_NoVersion_UsesTheRemoteDefaultBranch()
    {
        using var temp = new TempDirectory();
        var upstream = new GitRepositoryFixture(temp);
        var tip = upstream.Commit("a", "a");

        var resolved = await new GitCheckoutCache(temp.Combine("cache"), policy: GitRepositoryFixture.Policy).CheckoutAsync("unikraft", upstream.Url, null, CancellationToken.None);

        Assert.Equal(tip, resolved.Commit);
    }

    [Fact]
    public async Task Checkout_BranchMovedUpstream_FollowsIt()
    {
        using var temp = new TempDirectory();
        var upstream = new GitRepositoryFixture(temp);
        upstream.Commit("lib.c", "old");
        var cache = new GitCheckoutCache(temp.Combine("cache"), policy: GitRepositoryFixture.Policy);
        await cache.CheckoutAsync("x", upstream.Url, "main", CancellationToken.None);
        var newTip = upstream.Commit("lib.c", "new");

        var resolved = await cache.CheckoutAsync("x", upstream.Url, "main", CancellationToken.None);

        Assert.Equal(newTip, resolved.Commit);
        Assert.Equal("new", File.ReadAllText(Path.Combine(resolved.Directory, "lib.c")));
    }

    [Fact]
    public async Task Checkout_SameTreeFromTwoCommits_SharesOneContentAddressedDirectory()
    {
        using var temp = new TempDirectory();
        var upstream = new GitRepositoryFixture(temp);
        var first = upstream.Commit("lib.c", "same");
        upstream.Git("commit", "--quiet", "--allow-empty", "-m", "empty");
        var second = upstream.Git("rev-parse", "HEAD").Trim();
        var cache = new GitCheckoutCache(temp.Combine("cache"), policy: GitRepositoryFixture.Policy);

        var a = await cache.CheckoutAsync("x", upstream.Url, first, CancellationToken.None);
        var b = await cache.CheckoutAsync("x", upstream.Url, second, CancellationToken.None);

        Assert.NotEqual(a.Commit, b.Commit);
        Assert.Equal(a.Directory, b.Directory);
        Assert.EndsWith(a.Tree!, a.Directory, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Checkout_KnownCommitWithUpstreamGone_NeedsNoNetwork()
    {
        using var temp = new TempDirectory();
        var upstream = new GitRepositoryFixture(temp);
        var commit = upstream.Commit("lib.c", "x");
        var cache = new GitCheckoutCache(temp.Combine("cache"), policy: GitRepositoryFixture.Policy);
        var first = await cache.CheckoutAsync("x", upstream.Url, commit, CancellationToken.None);
        Directory.Delete(temp.Combine("upstream"), recursive: true);

        var resolved = await cache.CheckoutAsync("x", upstream.Url, commit, CancellationToken.None);

        Assert.Equal((commit, first.Tree, first.Directory), (resolved.Commit, resolved.Tree, resolved.Directory));
        Assert.Equal("x", File.ReadAllText(Path.Combine(resolved.Directory, "lib.c")));
    }

    [Fact]
    public async Task Checkout_KnownCommit_DoesNotWaitForTheMirrorsLock()
    {
        using var temp = new TempDirectory();
        var upstream = new GitRepositoryFixture(temp);
        var commit = upstream.Commit("lib.c", "x");
        var cache = new GitCheckoutCache(temp.Combine("cache"), policy: GitRepositoryFixture.Policy);
        var first = await cache.CheckoutAsync("x", upstream.Url, commit, CancellationToken.None);
        var lockFile = Assert.Single(Directory.GetFiles(temp.Combine("cache", "git"), "*.lock"));

        // Another build holds the mirror (a long fetch): a commit already extracted is served all the same.
        using (await Farm.Core.IO.FileLock.AcquireAsync(lockFile, CancellationToken.None))
        {
            using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var again = await cache.CheckoutAsync("x", upstream.Url, commit, deadline.Token);

            Assert.Equal((commit, first.Directory), (again.Commit, again.Directory));
        }
    }

    [Fact]
    public async Task Checkout_TreeIdInTheMirrorGivenAsTheCommit_IsRefused()
    {
        using var temp = new TempDirectory();
        var upstream = new GitRepositoryFixture(temp);
        var commit = upstream.Commit("lib.c", "x");
        var tree = upstream.Git("rev-parse", commit + "^{tree}").Trim();
        var cache = new GitCheckoutCache(temp.Combine("cache"), policy: GitRepositoryFixture.Policy);
        await cache.CheckoutAsync("x", upstream.Url, commit, CancellationToken.None);

        // A tree is not a commit: the mirror's shortcut for a known commit must not take it for one.
        var error = await Assert.ThrowsAsync<SourceException>(() => cache.CheckoutAsync("x", upstream.Url, tree, CancellationToken.None));

        Assert.Equal($"x: version '{tree}' is neither a branch, a tag nor a commit of {upstream.Url}", error.Message);
    }

    [Fact]
    public async Task Checkout_ConcurrentBuildsOfOneSource_AllGetTheSameCheckout()
    {
        using var temp = new TempDirectory();
        var upstream = new GitRepositoryFixture(temp);
        var tip = upstream.Commit("lib.c", "x");
        var caches = Enumerable.Range(0, 6).Select(_ => new GitCheckoutCache(temp.Combine("cache"), policy: GitRepositoryFixture.Policy)).ToList();

        var results = await Task.WhenAll(caches.Select(c => c.CheckoutAsync("x", upstream.Url, "main", CancellationToken.None)));

        Assert.All(results, r => Assert.Equal((tip, results[0].Directory), (r.Commit, r.Directory)));
        Assert.Equal("x", File.ReadAllText(Path.Combine(results[0].Directory, "lib.c")));
    }

    [Fact]
    public async Task Checkout_UnknownVersion_SaysWhatItLookedFor()
    {
        using var temp = new TempDirectory();
        var upstream = new GitRepositoryFixture(temp);
        upstream.Commit("a", "a");

        var error = await Assert.ThrowsAsync<SourceException>(() => new GitCheckoutCache(temp.Combine("cache"), policy: GitRepositoryFixture.Policy).CheckoutAsync("libraries.lwip", upstream.Url, "no-such-branch", CancellationToken.None));

        Assert.Equal($"libraries.lwip: version 'no-such-branch' is neither a branch, a tag nor a commit of {upstream.Url}", error.Message);
    }

    [Fact]
    public async Task Checkout_UnreachableRepository_FailsWithGitsReason()
    {
        using var temp = new TempDirectory();
        var missing = "file://" + temp.Combine("nonexistent", "repo.git");

        var error = await Assert.ThrowsAsync<SourceException>(() => new GitCheckoutCache(temp.Combine("cache"), policy: GitRepositoryFixture.Policy).CheckoutAsync("unikraft", missing, "stable", CancellationToken.None));

        Assert.StartsWith($"unikraft: cannot fetch {missing}: ", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateDirectories(temp.Combine("cache")).SelectMany(d => Directory.EnumerateDirectories(d, ".partial-*")));
    }
}
