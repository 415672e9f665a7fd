using Farm.Core.Kraftfiles;
using Farm.Core.Planning;
using Farm.Worker.Pipeline;

namespace Farm.Worker.Tests.Cli;

/// <summary>
/// Where build directories live: <c>worker build-target</c> writes nothing inside the app's directory unless told
/// (<c>--build-dir</c>), so a read-only checkout builds, including an app without a Makefile.uk of its own.
/// </summary>
public sealed class BuildDirectoryTests
{
    [Fact]
    public async Task BuildTarget_AppWithoutMakefileUk_BuildsWithoutWritingIntoTheApp()
    {
        using var temp = new TempDirectory();
        var app = temp.Combine("app");
        var library = temp.Combine("mainlib");
        Directory.CreateDirectory(app);
        Directory.CreateDirectory(library);
        File.WriteAllText(Path.Combine(library, "Config.uk"), "config LIBMAINLIB\n\tbool \"mainlib: the app's main\"\n\tdefault y\n");
        File.WriteAllText(Path.Combine(library, "Makefile.uk"), "$(eval $(call addlib_s,libmainlib,$(CONFIG_LIBMAINLIB)))\nLIBMAINLIB_SRCS-y += $(LIBMAINLIB_BASE)/main.c\n");
        File.WriteAllText(Path.Combine(library, "main.c"), "#include <stdio.h>\nint main(void) { printf(\"main from a library\\n\"); return 0; }\n");
        File.WriteAllText(Path.Combine(app, "Kraftfile"),
            $"spec: v0.6\nname: nomakefile\nunikraft: {TestPaths.FixtureCore}\nlibraries:\n  mainlib: {library}\ntargets:\n  - qemu/x86_64\nx-farm:\n  smoke:\n    expect: \"main from a library\"\n");
        var before = Directory.EnumerateFileSystemEntries(app, "*", SearchOption.AllDirectories).ToList();
        var kraftfile = new KraftfileParser().Load(app).Kraftfile!;
        var buildDirectory = TargetPipeline.DefaultBuildDirectory(kraftfile, Planner.Plan(kraftfile).Plan!.Jobs.Single());
        try
        {
            var run = await WorkerRun.OfAsync("build-target", app, "--target", "qemu/x86_64", "--out", temp.Combine("out"), "--json");

            Assert.True(run.ExitCode == 0, run.Stderr);
            Assert.Contains("main from a library", File.ReadAllText(temp.Combine("out", "console.log")), StringComparison.Ordinal);
            Assert.Equal(before, Directory.EnumerateFileSystemEntries(app, "*", SearchOption.AllDirectories).ToList());
            Assert.False(buildDirectory.StartsWith(app, StringComparison.Ordinal));
            Assert.True(File.Exists(Path.Combine(buildDirectory, "nomakefile_qemu-x86_64")));
        }
        finally
        {
            if (Directory.Exists(buildDirectory))
            {
                Directory.Delete(buildDirectory, recursive: true);
            }
        }
    }

    [Fact]
    public void DefaultBuildDirectory_DependsOnTheAppsLocationAndKernel()
    {
        var helloworld = new KraftfileParser().Load(Path.Combine(TestPaths.Examples, "helloworld")).Kraftfile!;
        var jobs = Planner.Plan(helloworld).Plan!.Jobs;

        var directories = jobs.Select(j => TargetPipeline.DefaultBuildDirectory(helloworld, j)).ToList();

        Assert.Equal(directories.Count, directories.Distinct().Count());
        Assert.All(directories, d => Assert.DoesNotContain(Path.Combine(TestPaths.Examples, "helloworld"), d, StringComparison.Ordinal));
        Assert.All(directories, d => Assert.Contains(Path.Combine("build", "helloworld-"), d, StringComparison.Ordinal));
    }
}
