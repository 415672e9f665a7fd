using Farm.Builds;
using Farm.GitHub;
using Farm.GitHub.Webhooks;

namespace Farm.Tests.GitHub;

/// <summary>Which Kraftfiles a GitHub event builds, and where their images go.</summary>
public sealed class GitHubBuildRulesTests : IDisposable
{
    private readonly string _root = Directory.CreateTempSubdirectory("farm-finder-").FullName;

    public void Dispose() => Directory.Delete(_root, recursive: true);

    private void Touch(string relative)
    {
        var path = Path.Combine(_root, relative);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, "spec: v0.6\n");
    }

    [Fact]
    public void KraftfileFinder_OnePerDirectory_KraftsOrder_SkipsGitAndBuildDirectories()
    {
        Touch("Kraftfile");
        Touch("apps/web/Kraftfile");
        Touch("apps/web/kraft.yaml");
        Touch("apps/db/Kraftfile.yaml");
        Touch(".git/Kraftfile");
        Touch("apps/web/.unikraft/build/Kraftfile");

        Assert.Equal(["Kraftfile", "apps/db/Kraftfile.yaml", "apps/web/kraft.yaml"], KraftfileFinder.Find(_root));
    }

    [Theory]
    [InlineData("apps/web/Kraftfile", "apps/web/main.c", true)]
    [InlineData("apps/web/Kraftfile", "apps/web/src/deep/x.c", true)]
    [InlineData("apps/web/Kraftfile", "apps/web/Kraftfile", true)]
    [InlineData("apps/web/Kraftfile", "apps/webserver/main.c", false)]
    [InlineData("apps/web/Kraftfile", "README.md", false)]
    [InlineData("Kraftfile", "anything/at/all.c", true)]
    public void Push_BuildsAnAppWhenItsDirectoryChanged(string kraftfile, string changed, bool builds) =>
        Assert.Equal(builds, GitHubDeliveryJob.AppChanged(kraftfile, new HashSet<string> { changed }));

    [Theory]
    [InlineData("127.0.0.1:5000/github/Codertocat/Hello-World/apps/Web_1", "127.0.0.1:5000/github/codertocat/hello-world/apps/web_1")]
    [InlineData("registry.example/x/Owner/Repo With Space", "registry.example/x/owner/repo-with-space")]
    public void ImageNames_AreLowerCaseAndValid(string reference, string expected) =>
        Assert.Equal(expected, ImageName.Sanitise(reference));
}
