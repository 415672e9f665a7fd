using System.Text.Json;

namespace Farm.Tests.Cli;

public sealed class PlanCommandTests
{
    [Fact]
    public void Plan_Json_ListsOneJobPerTargetWithQueue()
    {
        using var apps = new TempApps();
        var app = apps.Add("hello", "spec: v0.6\nunikraft: stable\ntargets:\n  - qemu/x86_64\n  - fc/x86_64\n  - {name: debug, plat: qemu, arch: x86_64, kconfig: [CONFIG_LIBUKDEBUG_PRINTD=y]}\n");

        var run = CliRun.Of("plan", "--json", app);

        Assert.Equal(0, run.ExitCode);
        var jobs = JsonDocument.Parse(run.Stdout).RootElement.GetProperty("jobs");
        Assert.Equal(["qemu-x86_64", "fc-x86_64", "qemu-x86_64"], jobs.EnumerateArray().Select(j => j.GetProperty("queue").GetString()));
        Assert.Equal("debug_qemu-x86_64", jobs[2].GetProperty("kernel").GetString());
        Assert.Equal("y", jobs[2].GetProperty("kconfig").GetProperty("CONFIG_LIBUKDEBUG_PRINTD").GetString());
        Assert.Equal("firecracker", jobs[1].GetProperty("requires").GetProperty("hypervisor").GetString());
    }

    [Fact]
    public void Plan_TwoTargetsBuildingTheSameKernel_FailsNamingTheSecond()
    {
        using var apps = new TempApps();
        var app = apps.Add("hello", "spec: v0.6\nunikraft: stable\ntargets: [qemu/x86_64, fc/x86_64, qemu/x86_64]\n");

        var run = CliRun.Of("plan", "--json", app);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains(":3:35: error: targets[2]: builds the same kernel 'hello_qemu-x86_64'", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_SourceWithoutTargets_FailsWithNoTargetsToBuild()
    {
        using var apps = new TempApps();
        var app = apps.Add("empty", "spec: v0.6\nunikraft: stable\n");

        var run = CliRun.Of("plan", app);

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("no targets to build", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_RuntimeOnly_SaysWhichRuntimeImageGivesTheTargets()
    {
        using var apps = new TempApps();
        var app = apps.Add("py", "spec: v0.6\nruntime: python:3.12\ncmd: [\"/app.py\"]\n");

        var run = CliRun.Of("plan", app);

        Assert.Equal(0, run.ExitCode);
        Assert.Contains("the targets come from the runtime image unikraft.org/python:3.12", run.Stdout, StringComparison.Ordinal);
    }
}
