using Farm.Core.Kraftfiles;
using Farm.State.Sources;

namespace Farm.Worker.Tests.Sources;

/// <summary>Kraftfile components to directories: local paths in place, URLs through the checkout cache.</summary>
public sealed class SourceResolverTests
{
    [Fact]
    public async Task Resolve_GitUrlsWithVersions_ChecksOutCoreAndLibraryAtThoseVersions()
    {
        using var temp = new TempDirectory();
        var upstream = new GitRepositoryFixture(temp);
        var v1 = upstream.Commit("Makefile", "v1");
        upstream.Git("tag", "RELEASE-1");
        upstream.Commit("Makefile", "v2");
        var app = temp.Combine("app");
        Directory.CreateDirectory(app);
        File.WriteAllText(Path.Combine(app, "Kraftfile"), $"""
            spec: v0.6
            name: app
            unikraft:
              source: {upstream.Url}
              version: RELEASE-1
            libraries:
              mylib: {upstream.Url}@main
            targets: [qemu/x86_64]
            """);
        var kraftfile = new KraftfileParser().Load(app).Kraftfile!;

        var sources = await new SourceResolver(new GitCheckoutCache(temp.Combine("cache"), policy: GitRepositoryFixture.Policy)).ResolveAsync(kraftfile, CancellationToken.None);

        Assert.Equal(v1, sources.Core.Commit);
        Assert.Equal("v1", File.ReadAllText(Path.Combine(sources.Core.Directory, "Makefile")));
        Assert.Equal("v2", File.ReadAllText(Path.Combine(Assert.Single(sources.Libraries).Directory, "Makefile")));
        Assert.Equal(app, sources.Application.Directory);
    }

    [Fact]
    public async Task Resolve_LocalPaths_AreRelativeToTheKraftfile()
    {
        var calculator = Path.Combine(TestPaths.Examples, "calculator");
        var kraftfile = new KraftfileParser().Load(calculator).Kraftfile!;
        using var temp = new TempDirectory();

        var sources = await new SourceResolver(new GitCheckoutCache(temp.Path)).ResolveAsync(kraftfile, CancellationToken.None);

        Assert.Equal(TestPaths.FixtureCore, sources.Core.Directory);
        Assert.All(sources.Libraries, l => Assert.StartsWith(Path.Combine(TestPaths.Examples, "libs"), l.Directory, StringComparison.Ordinal));
        Assert.Equal(3, sources.Libraries.Count);
        Assert.Null(sources.Core.Commit);
    }
}
