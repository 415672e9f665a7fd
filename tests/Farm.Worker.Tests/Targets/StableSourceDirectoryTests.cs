using Farm.Core.Builds;
using Farm.Core.Planning;
using Farm.State.Sources;
using Farm.Worker.Targets;
using Farm.Worker.Tests.Sources;

namespace Farm.Worker.Tests.Targets;

/// <summary>
/// A git or uploaded source is built from one directory per app and scope, the same for every commit, equal to the
/// commit's tree file for file, with unchanged files keeping their times (so make rebuilds in place), whatever was
/// left in the copy before; each kernel has its own copy, a concurrent build of the same kernel takes another slot; scopes never share a copy.
/// </summary>
public sealed class StableSourceDirectoryTests
{
    private const string Kraftfile = "spec: v0.6\nname: hello\nunikraft: ../core\ntargets:\n- qemu/x86_64\n";

    private static readonly TargetJob Job = new("hello", "qemu", "x86_64", "qemu-x86_64", "hello_qemu-x86_64", [], new WorkerRequirements("x86_64", "qemu", false));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task Fetch_TwoCommitsOfAnApp_AreBuiltFromTheSameDirectory_WhereOnlyTheChangedFileIsNew()
    {
        using var temp = new TempDirectory();
        var repository = new GitRepositoryFixture(temp);
        repository.Commit("app/main.c", "int main(void) { return 0; }\n");
        repository.Commit("core/Makefile", "all:\n");
        var first = repository.Commit("app/Kraftfile", Kraftfile);
        var source = new PinnedSource(new GitCheckoutCache(temp.Combine("cache"), policy: GitRepositoryFixture.Policy), () => throw new InvalidOperationException(), temp.Combine("unpacked"), localBuilds: false, temp.Combine("work"));

        string firstRoot;
        DateTime coreTime;
        using (var pinned = await source.FetchAsync(Build(repository.Url, first), Plan(first), Ct))
        {
            Assert.Null(pinned.Failure);
            firstRoot = pinned.Tree!.Root;
            Assert.DoesNotContain("/trees/", firstRoot, StringComparison.Ordinal);
            coreTime = File.GetLastWriteTimeUtc(Path.Combine(firstRoot, "core", "Makefile"));
        }

        Thread.Sleep(20);
        var second = repository.Commit("app/main.c", "int main(void) { return 1; }\n");
        using (var pinned = await source.FetchAsync(Build(repository.Url, second), Plan(second), Ct))
        {
            Assert.Null(pinned.Failure);
            Assert.Equal(firstRoot, pinned.Tree!.Root);
            Assert.Equal(Path.Combine(firstRoot, "app"), pinned.Kraftfile!.Directory);
            Assert.Equal("int main(void) { return 1; }\n", File.ReadAllText(Path.Combine(firstRoot, "app", "main.c")));
            Assert.Equal(coreTime, File.GetLastWriteTimeUtc(Path.Combine(firstRoot, "core", "Makefile")));
            Assert.True(File.GetLastWriteTimeUtc(Path.Combine(firstRoot, "app", "main.c")) > coreTime);

            // Built while the first build of the same app still holds its copy: another slot, the same tree.
            using var concurrent = await source.FetchAsync(Build(repository.Url, first), Plan(first), Ct);
            Assert.Null(concurrent.Failure);
            Assert.NotEqual(firstRoot, concurrent.Tree!.Root);
            Assert.Equal("int main(void) { return 0; }\n", File.ReadAllText(Path.Combine(concurrent.Tree.Root, "app", "main.c")));

            // Another kernel of the same build (its targets run side by side): a copy of its own, not a slot it happened to get.
            using var arm = await source.FetchAsync(Build(repository.Url, second), Plan(second) with { Job = Job with { KernelFileName = "hello_qemu-arm64" } }, Ct);
            Assert.Null(arm.Failure);
            Assert.DoesNotContain(arm.Tree!.Root, new[] { firstRoot, concurrent.Tree.Root });
        }

        // An untrusted build of the same URL never shares the trusted copy.
        using var untrusted = await source.FetchAsync(Build(repository.Url, second) with { Scope = "untrusted" }, Plan(second), Ct);
        Assert.Null(untrusted.Failure);
        Assert.NotEqual(firstRoot, untrusted.Tree!.Root);
    }

    [Fact]
    public void Take_ACopyTamperedWith_EndsEqualToTheTree_WithoutWritingThroughItsLinks()
    {
        using var temp = new TempDirectory();
        var tree = temp.Combine("tree");
        Write(Path.Combine(tree, "app", "main.c"), "int main(void) { return 0; }\n");
        Write(Path.Combine(tree, "app", "run.sh"), "#!/bin/sh\n");
        File.SetUnixFileMode(Path.Combine(tree, "app", "run.sh"), UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        Write(Path.Combine(tree, "lib", "Makefile.uk"), "LIBX_SRCS-y += x.c\n");
        File.CreateSymbolicLink(Path.Combine(tree, "app", "Makefile.link"), "../lib/Makefile.uk");
        var outside = temp.Combine("outside");
        Write(Path.Combine(outside, "secret"), "untouched\n");

        string root;
        using (var copy = StableSourceDirectory.Take(temp.Combine("work"), "trusted", "file:///app.git", tree))
        {
            root = copy.Root;
            Assert.Equal(Listing(tree), Listing(root));
        }

        // Whoever wrote the copy last: a file changed at the same size and time, a file added, a directory turned into
        // a link out of the copy, a link turned into a file, and a file turned into a link to a file outside.
        var main = Path.Combine(root, "app", "main.c");
        var time = File.GetLastWriteTimeUtc(main);
        File.WriteAllText(main, "int main(void) { return 9; }\n");
        File.SetLastWriteTimeUtc(main, time);
        Write(Path.Combine(root, "app", "planted.h"), "#define X 1\n");
        Directory.Delete(Path.Combine(root, "lib"), recursive: true);
        Directory.CreateSymbolicLink(Path.Combine(root, "lib"), outside);
        File.Delete(Path.Combine(root, "app", "Makefile.link"));
        Write(Path.Combine(root, "app", "Makefile.link"), "plain\n");
        File.Delete(Path.Combine(root, "app", "run.sh"));
        File.CreateSymbolicLink(Path.Combine(root, "app", "run.sh"), Path.Combine(outside, "secret"));

        using (var copy = StableSourceDirectory.Take(temp.Combine("work"), "trusted", "file:///app.git", tree))
        {
            Assert.Equal(root, copy.Root);
            Assert.Equal(Listing(tree), Listing(root));
        }

        Assert.Equal(["secret"], Directory.EnumerateFileSystemEntries(outside).Select(Path.GetFileName));
        Assert.Equal("untouched\n", File.ReadAllText(Path.Combine(outside, "secret")));
    }

    private static BuildRecord Build(string url, string commit) =>
        new("b1", "hello", "app/Kraftfile", "127.0.0.1:1/apps/hello:v1", "trusted", DateTimeOffset.UtcNow) { GitUrl = url, GitCommit = commit };

    private static TargetPlan Plan(string commit) => new(Job, TargetPlan.DigestOf(System.Text.Encoding.UTF8.GetBytes(Kraftfile)), commit);

    private static void Write(string path, string text)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
    }

    /// <summary>Every entry as a user would compare two trees: path, kind, mode, bytes or link target.</summary>
    private static List<string> Listing(string root) =>
        [.. new DirectoryInfo(root).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0 })
            .Select(e => Path.GetRelativePath(root, e.FullName) + " " + (e.LinkTarget is { } link ? "-> " + link
                : e is DirectoryInfo ? "dir" : $"{File.GetUnixFileMode(e.FullName)} {Convert.ToHexString(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(e.FullName)))}"))
            .Order(StringComparer.Ordinal)];
}
