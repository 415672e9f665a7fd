namespace Farm.Worker.Tests.Cli;

/// <summary>
/// Kernels that hang, crash, print garbage or exit wrongly, and builds that fail: each ends with exit 1, a
/// one-line reason a user can act on, the console tail in the log, and no kernel in the output directory.
/// </summary>
public sealed class BuildTargetFaultTests
{
    private const string Targets = "- qemu/x86_64\n- qemu/arm64\n- linuxu/x86_64\n";

    public static TheoryData<string> AllTargets => new("qemu/x86_64", "qemu/arm64", "linuxu/x86_64");

    [Theory]
    [MemberData(nameof(AllTargets))]
    public async Task BuildTarget_KernelHangs_FailsAtTheTimeoutWithoutTheExpectedOutput(string target)
    {
        using var temp = new TempDirectory();
        var app = TempApp.Create(temp, "hang", "x-farm:\n  smoke:\n    expect: finished\n    timeout: 3s\n");

        var run = await WorkerRun.BuildAsync(app, target, temp);

        AssertFailedWithoutKernel(run, temp);
        var reason = run.Result.GetProperty("smoke").GetProperty("reason").GetString();
        Assert.Contains("no output matching /finished/ within 3 s", reason, StringComparison.Ordinal);
        Assert.Contains("console| starting", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildTarget_KernelPrintsButNeverExits_FailsWhenAnExitIsExpected()
    {
        using var temp = new TempDirectory();
        var app = TempApp.Create(temp, "hang", "x-farm:\n  smoke:\n    expect: starting\n    timeout: 2s\n    exit: 0\n");

        var run = await WorkerRun.BuildAsync(app, "qemu/x86_64", temp);

        AssertFailedWithoutKernel(run, temp);
        Assert.Contains("did not exit within 2 s", run.Result.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(AllTargets))]
    public async Task BuildTarget_KernelCrashes_FailsNamingTheCrash(string target)
    {
        using var temp = new TempDirectory();
        var app = TempApp.Create(temp, "crash", string.Empty);

        var run = await WorkerRun.BuildAsync(app, target, temp);

        AssertFailedWithoutKernel(run, temp);
        Assert.Contains("the kernel crashed", run.Result.GetProperty("smoke").GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("about to crash", File.ReadAllText(temp.Combine("out", "console.log")), StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(AllTargets))]
    public async Task BuildTarget_KernelPrintsGarbage_FailsWithTheExpectationAndTheConsoleTail(string target)
    {
        using var temp = new TempDirectory();
        var app = TempApp.Create(temp, "garbage", "x-farm:\n  smoke:\n    expect: \"Hello, world!\"\n");

        var run = await WorkerRun.BuildAsync(app, target, temp);

        AssertFailedWithoutKernel(run, temp);
        Assert.Contains("without printing anything matching /Hello, world!/", run.Result.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Contains("console|", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(AllTargets))]
    public async Task BuildTarget_KernelExitsWithTheWrongStatus_FailsNamingBothStatuses(string target)
    {
        using var temp = new TempDirectory();
        var app = TempApp.Create(temp, "exit3", "x-farm:\n  smoke:\n    expect: exiting\n    exit: 0\n");

        var run = await WorkerRun.BuildAsync(app, target, temp);

        AssertFailedWithoutKernel(run, temp);
        Assert.Contains("exit status 3), expected exit status 0", run.Result.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildTarget_KernelExitsWithTheExpectedNonZeroStatus_Passes()
    {
        using var temp = new TempDirectory();
        var app = TempApp.Create(temp, "exit3", "x-farm:\n  smoke:\n    expect: exiting\n    exit: 3\n");

        var run = await WorkerRun.BuildAsync(app, "qemu/x86_64", temp);

        Assert.True(run.ExitCode == 0, run.Stderr);
    }

    [Fact]
    public async Task BuildTarget_CompileError_FailsWithTheCompilerMessageAndNoKernel()
    {
        using var temp = new TempDirectory();
        var app = TempApp.Create(temp, "compile-error", string.Empty);

        var run = await WorkerRun.BuildAsync(app, "qemu/x86_64", temp);

        AssertFailedWithoutKernel(run, temp);
        var reason = run.Result.GetProperty("reason").GetString();
        Assert.StartsWith("make failed (exit 2)", reason, StringComparison.Ordinal);
        Assert.Contains("main.c", reason, StringComparison.Ordinal);
        Assert.Contains("this_is_not_declared", File.ReadAllText(temp.Combine("out", "build.log")), StringComparison.Ordinal);
        Assert.Equal("not run: the build did not produce a bootable kernel", run.Result.GetProperty("smoke").GetProperty("reason").GetString());
    }

    [Fact]
    public async Task BuildTarget_MissingLibraryDirectory_FailsNamingTheKraftfileLineAndField()
    {
        using var temp = new TempDirectory();
        var app = TempApp.Create(temp, "exit3", "libraries:\n  nosuch: ./libs/nosuch\n");

        var run = await WorkerRun.BuildAsync(app, "qemu/x86_64", temp);

        AssertFailedWithoutKernel(run, temp);
        Assert.Matches(@"Kraftfile:\d+: libraries\.nosuch: source directory './libs/nosuch' does not exist", run.Result.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task BuildTarget_EarlierSuccessInTheSameOutput_IsRemovedWhenTheNextBuildFails()
    {
        using var temp = new TempDirectory();
        var app = TempApp.Create(temp, "exit3", "x-farm:\n  smoke:\n    expect: exiting\n    exit: 3\n");
        Assert.Equal(0, (await WorkerRun.BuildAsync(app, "qemu/x86_64", temp)).ExitCode);
        File.WriteAllText(Path.Combine(app, "main.c"), "int main(void) { return 3 }\n");

        var run = await WorkerRun.BuildAsync(app, "qemu/x86_64", temp);

        AssertFailedWithoutKernel(run, temp);
    }

    [Fact]
    public async Task BuildTarget_UnknownTarget_ListsTheTargetsTheKraftfileHas()
    {
        using var temp = new TempDirectory();
        var run = await WorkerRun.BuildAsync(Path.Combine(TestPaths.Examples, "helloworld"), "qemu/riscv64", temp);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("no target 'qemu/riscv64'; this Kraftfile has: helloworld (qemu/x86_64), helloworld (qemu/arm64)", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildTarget_AmbiguousName_AsksForPlatAndArch()
    {
        using var temp = new TempDirectory();
        var run = await WorkerRun.BuildAsync(Path.Combine(TestPaths.Examples, "helloworld"), "helloworld", temp);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("'helloworld' matches 5 targets", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("name one by plat/arch", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task BuildTarget_BrokenKraftfile_PrintsLocatedErrorsAndBuildsNothing()
    {
        using var temp = new TempDirectory();
        var app = TempApp.Create(temp, "exit3", "x-farm:\n  smoke:\n    timeout: forever\n");

        var run = await WorkerRun.BuildAsync(app, "qemu/x86_64", temp);

        Assert.Equal(1, run.ExitCode);
        Assert.Matches(@"Kraftfile:\d+:\d+: error: x-farm\.smoke\.timeout: 'forever' is not a duration", run.Stderr);
        Assert.False(Directory.Exists(temp.Combine("out")));
    }

    [Fact]
    public async Task BuildTarget_OutputPathIsAFile_FailsNamingTheOption()
    {
        using var temp = new TempDirectory();
        File.WriteAllText(temp.Combine("out"), "not a directory");

        var run = await WorkerRun.BuildAsync(Path.Combine(TestPaths.Examples, "helloworld"), "qemu/x86_64", temp);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains($"worker: --out {temp.Combine("out")}: cannot create the output directory", run.Stderr, StringComparison.Ordinal);
    }

    private static void AssertFailedWithoutKernel(WorkerRun run, TempDirectory temp)
    {
        Assert.True(run.ExitCode == 1, $"exit {run.ExitCode}\n{run.Stderr}");
        Assert.Equal("failed", run.Result.GetProperty("status").GetString());
        Assert.False(string.IsNullOrWhiteSpace(run.Result.GetProperty("reason").GetString()));
        Assert.DoesNotContain(Directory.EnumerateFiles(temp.Combine("out")), f => Path.GetFileName(f).Contains('_', StringComparison.Ordinal));
        Assert.Contains("FAILED", run.Stderr, StringComparison.Ordinal);
    }
}
