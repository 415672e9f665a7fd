using Farm.Core.Sources;
using Farm.State.Sources;

namespace Farm.Worker.Tests.Sources;

/// <summary>
/// The worker's own line of defence: the checkout cache refuses a hostile URL or version itself, before git runs, as a
/// forged job row would hand it one. Each test fails if its attack works (the marker file appears, git ran).
/// </summary>
public sealed class GitCheckoutCacheAttackTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>Even an operator's allow-list of '*' does not let option or helper syntax through.</summary>
    private static readonly SourcePolicy Everything = new(["*"]);

    [Fact]
    public async Task Checkout_UploadPackUrl_IsRefusedAndRunsNothing()
    {
        using var temp = new TempDirectory();
        var marker = temp.Combine("pwned");

        var error = await Assert.ThrowsAsync<SourceException>(() => new GitCheckoutCache(temp.Combine("cache"), policy: Everything).CheckoutAsync("app", $"--upload-pack=touch {marker}", "main", Ct));

        Assert.Contains("starts with '-'", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task Checkout_ConfigOptionUrl_IsRefused()
    {
        using var temp = new TempDirectory();
        var marker = temp.Combine("pwned");

        var error = await Assert.ThrowsAsync<SourceException>(() => new GitCheckoutCache(temp.Combine("cache"), policy: Everything).CheckoutAsync("app", $"-ccore.sshCommand=touch {marker}", "main", Ct));

        Assert.Contains("git would read it as an option", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task Checkout_ExtUrl_IsRefusedAndRunsNothing()
    {
        using var temp = new TempDirectory();
        var marker = temp.Combine("pwned");

        var error = await Assert.ThrowsAsync<SourceException>(() => new GitCheckoutCache(temp.Combine("cache"), policy: Everything).CheckoutAsync("app", $"ext::touch%{marker}", null, Ct));

        Assert.Contains("remote helper", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task Checkout_FileUrlOnTheDefaultAllowList_IsRefusedBeforeGitRuns()
    {
        using var temp = new TempDirectory();
        var upstream = new GitRepositoryFixture(temp);
        upstream.Commit("secret", "host data");

        var error = await Assert.ThrowsAsync<SourceException>(() => new GitCheckoutCache(temp.Combine("cache"), policy: new SourcePolicy()).CheckoutAsync("app", upstream.Url, "main", Ct));

        Assert.Equal($"app: '{upstream.Url}' is not allowed by Farm__Sources__Allow (allowed: https://*, ssh://*, git@*)", error.Message);
        Assert.False(Directory.Exists(temp.Combine("cache", "git")));
    }

    [Fact]
    public async Task Checkout_VersionStartingWithDash_IsRefused()
    {
        using var temp = new TempDirectory();
        var upstream = new GitRepositoryFixture(temp);
        upstream.Commit("a", "a");
        var marker = temp.Combine("pwned");

        var error = await Assert.ThrowsAsync<SourceException>(() => new GitCheckoutCache(temp.Combine("cache"), policy: GitRepositoryFixture.Policy).CheckoutAsync("app", upstream.Url, $"--upload-pack=touch {marker}", Ct));

        Assert.Contains("is not a branch, tag or commit name: it starts with '-'", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public async Task Checkout_CommitWithAnAbsoluteSymlink_IsRefusedNamingTheLink()
    {
        using var temp = new TempDirectory();
        var upstream = new GitRepositoryFixture(temp);
        upstream.Commit("a", "a");
        File.CreateSymbolicLink(temp.Combine("upstream", "x"), "/etc");
        upstream.Git("add", "--all");
        upstream.Git("commit", "--quiet", "-m", "link");

        var error = await Assert.ThrowsAsync<SourceException>(() => new GitCheckoutCache(temp.Combine("cache"), policy: GitRepositoryFixture.Policy).CheckoutAsync("app", upstream.Url, "main", Ct));

        Assert.Contains("x: a symbolic link to /etc, outside the directory", error.Message, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateDirectories(temp.Combine("cache", "trees")));
    }
}
