using Farm.Core.Oci.Distribution;
using Farm.Core.Tests.Oci.TestRegistry;
using Farm.State.Sources;

namespace Farm.Worker.Tests.Sources;

/// <summary>Resolved source trees kept in the real registry: a second worker extracts them and never clones.</summary>
public sealed class SourceArchiveTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static SourceArchive Archive(RegistryServer registry) =>
        new(new RegistryRepository(new RegistryClient(registry.Host, new RegistryClientOptions { Insecure = true }), "farm-cache"));

    [Fact]
    public async Task Checkout_PinnedCommitInTheArchive_NeedsNoGitAtAll()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        using var temp = new TempDirectory();
        var upstream = new GitRepositoryFixture(temp);
        var commit = upstream.Commit("Makefile.uk", "LIBX_SRCS-y += x.c\n");
        upstream.Commit("sub/x.c", "int x;\n");
        commit = upstream.Git("rev-parse", "HEAD").Trim();
        var first = await new GitCheckoutCache(temp.Combine("worker1"), Archive(registry), GitRepositoryFixture.Policy).CheckoutAsync("libraries.x", upstream.Url, commit, Ct);
        Directory.Delete(temp.Combine("upstream"), recursive: true);

        var second = await new GitCheckoutCache(temp.Combine("worker2"), Archive(registry), GitRepositoryFixture.Policy).CheckoutAsync("libraries.x", upstream.Url, commit, Ct);

        Assert.Equal((first.Commit, first.Tree), (second.Commit, second.Tree));
        Assert.Equal("int x;\n", File.ReadAllText(Path.Combine(second.Directory, "sub", "x.c")));
        Assert.False(Directory.Exists(temp.Combine("worker2", "git")), "the second worker must not have cloned");
    }

    [Fact]
    public async Task Checkout_BranchInTheArchive_ResolvesWithLsRemoteAndDoesNotClone()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        using var temp = new TempDirectory();
        var upstream = new GitRepositoryFixture(temp);
        var tip = upstream.Commit("a.c", "int a;\n");
        await new GitCheckoutCache(temp.Combine("worker1"), Archive(registry), GitRepositoryFixture.Policy).CheckoutAsync("unikraft", upstream.Url, "main", Ct);

        var second = await new GitCheckoutCache(temp.Combine("worker2"), Archive(registry), GitRepositoryFixture.Policy).CheckoutAsync("unikraft", upstream.Url, "main", Ct);

        Assert.Equal(tip, second.Commit);
        Assert.False(Directory.Exists(temp.Combine("worker2", "git")));
    }

    [Fact]
    public async Task Checkout_RegistryDown_ClonesAsBefore()
    {
        using var temp = new TempDirectory();
        var upstream = new GitRepositoryFixture(temp);
        var tip = upstream.Commit("a.c", "int a;\n");
        var down = new SourceArchive(new RegistryRepository(new RegistryClient($"127.0.0.1:{Loopback.PickFreePort()}", new RegistryClientOptions { Insecure = true, MaxAttempts = 1 }), "farm-cache"));

        var resolved = await new GitCheckoutCache(temp.Combine("worker"), down, GitRepositoryFixture.Policy).CheckoutAsync("unikraft", upstream.Url, "main", Ct);

        Assert.Equal(tip, resolved.Commit);
        Assert.Equal("int a;\n", File.ReadAllText(Path.Combine(resolved.Directory, "a.c")));
    }
}
