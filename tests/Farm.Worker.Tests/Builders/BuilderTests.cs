using Farm.Core.Kraftfiles;
using Farm.Core.Planning;
using Farm.Worker.Builders;
using Farm.Worker.Capabilities;
using Farm.Worker.Pipeline;
using Farm.State.Sources;

namespace Farm.Worker.Tests.Builders;

/// <summary>The builders and the pipeline's checks before make runs.</summary>
public sealed class BuilderTests
{
    [Fact]
    public async Task Pipeline_NoCompilerForTheArchitecture_FailsNamingThePackageToInstall()
    {
        using var temp = new TempDirectory();
        var kraftfile = new KraftfileParser().Load(Path.Combine(TestPaths.Examples, "helloworld")).Kraftfile!;
        var job = Planner.Plan(kraftfile).Plan!.Jobs.Single(j => j.Architecture == "arm64");
        var capabilities = new HostCapabilities(
            "x86_64",
            new Dictionary<string, Toolchain>(),
            new Dictionary<string, string> { ["arm64"] = "aarch64-linux-gnu-gcc is not on PATH (Debian: gcc-aarch64-linux-gnu)" },
            new HypervisorProbe("kvm", "/dev/kvm", "absent"),
            [],
            [],
            []);
        var pipeline = new TargetPipeline(new SourceResolver(new GitCheckoutCache(temp.Path)), new UnikraftMakeBuilder(), capabilities, []);

        var result = await pipeline.RunAsync(kraftfile, job, new TargetPipelineOptions(temp.Combine("out")), _ => { }, TestContext.Current.CancellationToken);

        Assert.False(result.Succeeded);
        Assert.Equal("no compiler for arm64: aarch64-linux-gnu-gcc is not on PATH (Debian: gcc-aarch64-linux-gnu)", result.FailureReason);
        Assert.True(File.Exists(temp.Combine("out", "result.json")));
    }

    [Fact]
    public void Defconfig_StartsWithTheProjectNameThenTheMergedKConfigInOrder()
    {
        var kraftfile = new KraftfileParser().Load(Path.Combine(TestPaths.Examples, "calculator")).Kraftfile!;
        var job = Planner.Plan(kraftfile).Plan!.Jobs[0];

        var lines = DefconfigWriter.Render(kraftfile.Name, job).Split('\n', StringSplitOptions.RemoveEmptyEntries);

        Assert.Equal("CONFIG_UK_NAME=\"calculator\"", lines[0]);
        Assert.Contains("CONFIG_LIBBIGNUM=y", lines);
        Assert.Contains("CONFIG_PLAT_KVM=y", lines);
        Assert.Equal(job.KConfig.Count + 1, lines.Length);
    }

    [Fact]
    public void BuildClock_SourceDateEpoch_GivesThatDateElseTheEpoch()
    {
        Assert.Equal("2026-01-01T00:00:00+00:00", BuildClock.FromEpoch("1767225600"));
        Assert.Equal("1970-01-01T00:00:00+00:00", BuildClock.FromEpoch(null));
        Assert.Equal("1970-01-01T00:00:00+00:00", BuildClock.FromEpoch("yesterday"));
    }

    [Fact]
    public async Task KraftCliBuilder_BuildsHelloworldWhenKraftIsInstalled()
    {
        var builder = new KraftCliBuilder();
        Assert.SkipWhen(builder.UnavailableReason is not null, $"kraft builder unavailable: {builder.UnavailableReason}");
        using var temp = new TempDirectory();

        var run = await Cli.WorkerRun.BuildAsync(Path.Combine(TestPaths.Examples, "helloworld"), "qemu/x86_64", temp, "--builder", "kraft");

        Assert.True(run.ExitCode == 0, run.Stderr);
    }

    [Fact]
    public async Task BuildTarget_CompilerLauncher_RunsEveryCompileThroughItAndDoesNotChangeTheKernel()
    {
        using var plain = new TempDirectory();
        using var wrapped = new TempDirectory();
        // In the build directory: the launcher runs in the build sandbox, where nothing else is writable.
        var calls = wrapped.Combine("build", "calls.log");
        var launcher = wrapped.Combine("launcher.sh");
        File.WriteAllText(launcher, $"#!/bin/sh\necho \"$*\" >> '{calls}'\nexec \"$@\"\n");
        File.SetUnixFileMode(launcher, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        var helloworld = Path.Combine(TestPaths.Examples, "helloworld");

        var a = await Cli.WorkerRun.BuildAsync(helloworld, "qemu/x86_64", plain);
        var b = await Cli.WorkerRun.BuildAsync(helloworld, "qemu/x86_64", wrapped, "--cc-launcher", launcher);

        Assert.True(a.ExitCode == 0 && b.ExitCode == 0, a.Stderr + b.Stderr);
        var compiles = File.ReadAllLines(calls);
        Assert.All(compiles, c => Assert.StartsWith("gcc ", c, StringComparison.Ordinal));
        Assert.Contains(compiles, c => c.Contains("main.c", StringComparison.Ordinal));
        Assert.Equal(Directory.EnumerateFiles(wrapped.Combine("build"), "*.o", SearchOption.AllDirectories).Count(), compiles.Length);
        Assert.Equal(a.Result.GetProperty("kernelSha256").GetString(), b.Result.GetProperty("kernelSha256").GetString());
    }
}
