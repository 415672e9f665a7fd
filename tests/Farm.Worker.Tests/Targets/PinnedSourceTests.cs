using System.Formats.Tar;
using Farm.Core.Builds;
using Farm.Core.Oci.Layout;
using Farm.Core.Planning;
using Farm.State.Sources;
using Farm.Worker.Targets;
using Farm.Worker.Tests.Sources;

namespace Farm.Worker.Tests.Targets;

/// <summary>
/// A target's source is the one its plan pins, or the target is refused with the reason: a git source at the planned
/// commit, an upload by its digest, a Kraftfile byte for byte as planned. Real git repositories and a real source
/// store (an OCI layout).
/// </summary>
public sealed class PinnedSourceTests
{
    private const string Kraftfile = "spec: v0.6\nname: hello\nunikraft: ../core\ntargets:\n- qemu/x86_64\n";

    private static readonly TargetJob Job = new("hello", "qemu", "x86_64", "qemu-x86_64", "hello_qemu-x86_64", [], new WorkerRequirements("x86_64", "qemu", false));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static TargetPlan Plan(string kraftfile, string? commit) => new(Job, TargetPlan.DigestOf(System.Text.Encoding.UTF8.GetBytes(kraftfile)), commit);

    private static PinnedSource Source(TempDirectory temp, UploadStore? uploads = null, bool localBuilds = false) =>
        new(new GitCheckoutCache(temp.Combine("cache"), policy: GitRepositoryFixture.Policy), () => uploads ?? throw new InvalidOperationException("no upload expected"), temp.Combine("unpacked"), localBuilds);

    private static BuildRecord GitBuild(string url, string commit) =>
        new("b1", "hello", "app/Kraftfile", "127.0.0.1:1/apps/hello:v1", "trusted", DateTimeOffset.UtcNow) { GitUrl = url, GitCommit = commit };

    [Fact]
    public async Task Fetch_GitSourceAtThePlannedCommit_ReadsThePlannedKraftfile()
    {
        using var temp = new TempDirectory();
        var repository = new GitRepositoryFixture(temp);
        var commit = repository.Commit("app/Kraftfile", Kraftfile);

        var pinned = await Source(temp).FetchAsync(GitBuild(repository.Url, commit), Plan(Kraftfile, commit), Ct);

        Assert.Null(pinned.Failure);
        Assert.Equal("hello", pinned.Kraftfile!.Name);
        Assert.Equal(Kraftfile, File.ReadAllText(Path.Combine(pinned.Tree!.Root, "app", "Kraftfile")));
    }

    [Fact]
    public async Task Fetch_BranchMovedAfterPlanning_BuildsThePlannedCommitNotTheBranch()
    {
        using var temp = new TempDirectory();
        var repository = new GitRepositoryFixture(temp);
        var planned = repository.Commit("app/Kraftfile", Kraftfile);
        repository.Commit("app/Kraftfile", Kraftfile.Replace("qemu/x86_64", "fc/x86_64", StringComparison.Ordinal));

        // The build row names the branch (as the API may have been given it); the plan names what it resolved to.
        var pinned = await Source(temp).FetchAsync(GitBuild(repository.Url, "main"), Plan(Kraftfile, planned), Ct);

        Assert.Null(pinned.Failure);
        Assert.Contains("qemu/x86_64", File.ReadAllText(Path.Combine(pinned.Tree!.Root, "app", "Kraftfile")), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_KraftfileNotTheOnePlanned_IsRefusedNamingTheFile()
    {
        using var temp = new TempDirectory();
        var repository = new GitRepositoryFixture(temp);
        var commit = repository.Commit("app/Kraftfile", Kraftfile + "# edited\n");

        var pinned = await Source(temp).FetchAsync(GitBuild(repository.Url, commit), Plan(Kraftfile, commit), Ct);

        Assert.Null(pinned.Kraftfile);
        Assert.StartsWith("app/Kraftfile: not the Kraftfile the farm planned (sha256:", pinned.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_GitPlanWithoutCommit_IsRefused()
    {
        using var temp = new TempDirectory();
        var repository = new GitRepositoryFixture(temp);
        var commit = repository.Commit("app/Kraftfile", Kraftfile);

        var pinned = await Source(temp).FetchAsync(GitBuild(repository.Url, commit), Plan(Kraftfile, null), Ct);

        Assert.Equal($"the target's plan names no commit of {repository.Url}: submit the build again", pinned.Failure);
    }

    [Fact]
    public async Task Fetch_KraftfilePathLeavingTheCheckout_IsRefused()
    {
        using var temp = new TempDirectory();
        var repository = new GitRepositoryFixture(temp);
        var commit = repository.Commit("app/Kraftfile", Kraftfile);

        var pinned = await Source(temp).FetchAsync(GitBuild(repository.Url, commit) with { KraftfilePath = "../../../../etc/passwd" }, Plan(Kraftfile, commit), Ct);

        Assert.Null(pinned.Kraftfile);
        Assert.StartsWith("kraftfile: ", pinned.Failure, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Fetch_UploadByDigest_UnpacksAndReadsIt()
    {
        using var temp = new TempDirectory();
        var uploads = new UploadStore(new OciLayoutRepository(temp.Combine("store")));
        var digest = await uploads.PutAsync(Tar(temp, ("app/Kraftfile", Kraftfile)), Ct);
        var build = new BuildRecord("b2", "hello", "app/Kraftfile", "127.0.0.1:1/apps/hello:v1", "untrusted", DateTimeOffset.UtcNow) { SourceDigest = digest };

        var pinned = await Source(temp, uploads).FetchAsync(build, Plan(Kraftfile, null), Ct);

        Assert.Null(pinned.Failure);
        Assert.Equal("hello", pinned.Kraftfile!.Name);
    }

    [Fact]
    public async Task Fetch_UploadMissingFromTheStore_IsRefusedNamingTheStore()
    {
        using var temp = new TempDirectory();
        var uploads = new UploadStore(new OciLayoutRepository(temp.Combine("store")));
        var digest = UploadedSource.Digest(Tar(temp, ("app/Kraftfile", Kraftfile)));
        var build = new BuildRecord("b3", "hello", "app/Kraftfile", "127.0.0.1:1/apps/hello:v1", "untrusted", DateTimeOffset.UtcNow) { SourceDigest = digest };

        var pinned = await Source(temp, uploads).FetchAsync(build, Plan(Kraftfile, null), Ct);

        Assert.Equal($"the uploaded source {digest} is not in the source store {uploads.Location} (farm and workers must name the same {UploadStore.Variable})", pinned.Failure);
    }

    [Fact]
    public async Task Fetch_ServedWorker_RefusesABuildOfItsOwnDisk()
    {
        using var temp = new TempDirectory();
        var build = new BuildRecord("b4", "hello", "/etc/Kraftfile", "127.0.0.1:1/apps/hello:v1", "trusted", DateTimeOffset.UtcNow) { SourceRoot = "/etc" };

        var pinned = await Source(temp).FetchAsync(build, Plan(Kraftfile, null), Ct);

        Assert.Equal("build b4 names neither a git source nor an upload: a served worker builds nothing else from its own disk", pinned.Failure);
    }

    private static byte[] Tar(TempDirectory temp, params (string Path, string Content)[] files)
    {
        var root = temp.Combine("tar-" + Guid.NewGuid().ToString("N")[..8]);
        foreach (var (path, content) in files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(root, path))!);
            File.WriteAllText(Path.Combine(root, path), content);
        }

        using var archive = new MemoryStream();
        TarFile.CreateFromDirectory(root, archive, includeBaseDirectory: false);
        return archive.ToArray();
    }
}
