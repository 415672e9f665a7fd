namespace Farm.Worker.Tests.Builders;

/// <summary>
/// A kept build directory rebuilds in place only for the build description of its last finished build: make does not
/// recompile for a changed flag, so after a <c>Makefile.uk</c> change the kernel must still be the one a fresh
/// directory gives. Real make and gcc on the fixture core.
/// </summary>
public sealed class KeptBuildDirectoryTests
{
    [Fact]
    public async Task Build_FlagChangedInMakefileUk_GivesTheKernelOfAFreshDirectory_NotAStaleObject()
    {
        using var temp = new TempDirectory();
        var source = temp.Combine("src");
        Copy(TestPaths.Examples, "helloworld", source);
        Copy(TestPaths.Examples, "fixture-core", source);
        var app = Path.Combine(source, "helloworld");
        using var kept = new TempDirectory();

        var first = await Cli.WorkerRun.BuildAsync(app, "qemu/x86_64", kept);
        var mainObject = Directory.EnumerateFiles(kept.Combine("build"), "main.o", SearchOption.AllDirectories).Single();
        var firstTime = File.GetLastWriteTimeUtc(mainObject);
        var again = await Cli.WorkerRun.BuildAsync(app, "qemu/x86_64", kept);
        var againTime = File.GetLastWriteTimeUtc(mainObject);
        File.AppendAllText(Path.Combine(app, "Makefile.uk"), "APPHELLOWORLD_CFLAGS-y += -O0 -fno-inline\n");
        var changed = await Cli.WorkerRun.BuildAsync(app, "qemu/x86_64", kept);
        using var fresh = new TempDirectory();
        var reference = await Cli.WorkerRun.BuildAsync(app, "qemu/x86_64", fresh);

        Assert.True(first.ExitCode == 0 && again.ExitCode == 0 && changed.ExitCode == 0 && reference.ExitCode == 0, first.Stderr + again.Stderr + changed.Stderr + reference.Stderr);
        // Unchanged: rebuilt in place (main.c not compiled again).
        Assert.DoesNotContain("emptied", again.Stderr, StringComparison.Ordinal);
        Assert.Contains("rebuilding in place", again.Stderr, StringComparison.Ordinal);
        Assert.Equal(firstTime, againTime);
        Assert.Equal(first.Result.GetProperty("kernelSha256").GetString(), again.Result.GetProperty("kernelSha256").GetString());
        Assert.Contains("build directory held another build description", changed.Stderr, StringComparison.Ordinal);
        Assert.NotEqual(again.Result.GetProperty("kernelSha256").GetString(), changed.Result.GetProperty("kernelSha256").GetString());
        Assert.Equal(reference.Result.GetProperty("kernelSha256").GetString(), changed.Result.GetProperty("kernelSha256").GetString());
        Assert.True(File.GetLastWriteTimeUtc(mainObject) > firstTime);
    }

    private static void Copy(string from, string name, string to)
    {
        foreach (var file in Directory.EnumerateFiles(Path.Combine(from, name), "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, name, Path.GetRelativePath(Path.Combine(from, name), file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target);
            File.SetUnixFileMode(target, File.GetUnixFileMode(file));
        }
    }
}
