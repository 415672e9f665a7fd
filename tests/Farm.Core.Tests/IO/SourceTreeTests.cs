using Farm.Core.IO;

namespace Farm.Core.Tests.IO;

/// <summary>Containment of the paths a Kraftfile names: '..', absolute paths and links out are one rule.</summary>
public sealed class SourceTreeTests : IDisposable
{
    private readonly string _work = Directory.CreateTempSubdirectory("farm-tree-").FullName;

    public SourceTreeTests()
    {
        Directory.CreateDirectory(Path.Combine(_work, "repo", "app", "rootfs"));
        Directory.CreateDirectory(Path.Combine(_work, "outside"));
    }

    private string Repo => Path.Combine(_work, "repo");

    private string App => Path.Combine(Repo, "app");

    public void Dispose() => Directory.Delete(_work, recursive: true);

    [Theory]
    [InlineData("./rootfs")]
    [InlineData("rootfs/../rootfs")]
    [InlineData("..")]
    [InlineData("../app/missing")]
    public void WhyOutside_PathInsideTheTree_IsNull(string path) =>
        Assert.Null(new SourceTree(Repo).WhyOutside(path, App));

    [Theory]
    [InlineData("/etc/ssh")]
    [InlineData("../..")]
    [InlineData("../../outside")]
    [InlineData("rootfs/../../../outside/missing")]
    public void WhyOutside_DotDotOrAbsolutePath_LeavesTheTree(string path) =>
        Assert.StartsWith($"'{path}' leaves the source tree", new SourceTree(Repo).WhyOutside(path, App), StringComparison.Ordinal);

    [Fact]
    public void WhyOutside_LinkToAHostDirectory_LeavesTheTreeAndSaysWhereItLeads()
    {
        File.CreateSymbolicLink(Path.Combine(App, "etc"), "/etc");
        File.CreateSymbolicLink(Path.Combine(App, "up"), "../../outside");

        Assert.Equal("'etc/ssh' leaves the source tree (it resolves to /etc/ssh)", new SourceTree(Repo).WhyOutside("etc/ssh", App));
        Assert.StartsWith("'up' leaves the source tree", new SourceTree(Repo).WhyOutside("up", App), StringComparison.Ordinal);
    }

    [Fact]
    public void WhyOutside_LinkInsideThenDotDot_FollowsTheLinkFirst()
    {
        // a/link/.. is the parent of the link's target, as the kernel resolves it, not 'a'.
        Directory.CreateDirectory(Path.Combine(_work, "outside", "deep"));
        File.CreateSymbolicLink(Path.Combine(App, "deep"), Path.Combine(_work, "outside", "deep"));
        File.CreateSymbolicLink(Path.Combine(App, "inner"), "rootfs");

        Assert.NotNull(new SourceTree(Repo).WhyOutside("deep/..", App));
        Assert.Null(new SourceTree(Repo).WhyOutside("inner/../rootfs", App));
    }

    [Fact]
    public void WhyOutside_LinkLoop_IsRefused()
    {
        File.CreateSymbolicLink(Path.Combine(App, "loop"), "loop");

        Assert.Equal("'loop/x' has too many levels of symbolic links", new SourceTree(Repo).WhyOutside("loop/x", App));
    }

    [Fact]
    public void LocalRoot_KraftfileInAGitWorkTree_IsTheWorkTreesTop()
    {
        Directory.CreateDirectory(Path.Combine(Repo, ".git"));

        Assert.Equal(Repo, SourceTree.LocalRoot(App));
        Assert.Equal(Path.Combine(_work, "outside"), SourceTree.LocalRoot(Path.Combine(_work, "outside")));
    }
}
