using Farm.Worker.Builders;
using Farm.Worker.Capabilities;
using Farm.Worker.Pipeline;
using Farm.Worker.Smoke;

namespace Farm.Worker.Tests.Pipeline;

/// <summary>
/// The pipeline's decisions on their own: whether this host can build for an architecture, and what a boot's result
/// makes of the target (published, skipped with the reason, failed naming the runner).
/// </summary>
public sealed class PipelinePartsTests
{
    private static readonly Toolchain Gcc = new("x86_64", string.Empty, "/usr/bin/gcc");

    private static HostCapabilities Host(IReadOnlyDictionary<string, string>? missingTools = null) =>
        new("x86_64", new Dictionary<string, Toolchain> { ["x86_64"] = Gcc }, new Dictionary<string, string> { ["arm64"] = "aarch64-linux-gnu-gcc is not on PATH" }, new HypervisorProbe("kvm", "/dev/kvm", "absent"), [], [], [])
        {
            MissingBuildTools = missingTools ?? new Dictionary<string, string>(),
        };

    [Fact]
    public void Preflight_ArchitectureWithACompiler_GivesItsToolchain() =>
        Assert.Equal((Gcc, (string?)null), BuildPreflight.Check(Host(), "x86_64"));

    [Fact]
    public void Preflight_ArchitectureWithoutACompiler_SaysWhyNaming()
    {
        var (toolchain, why) = BuildPreflight.Check(Host(), "arm64");

        Assert.Null(toolchain);
        Assert.Equal("no compiler for arm64: aarch64-linux-gnu-gcc is not on PATH", why);
    }

    [Fact]
    public void Preflight_UnknownArchitecture_IsNamed() =>
        Assert.Equal("no compiler for riscv64: unknown architecture", BuildPreflight.Check(Host(), "riscv64").WhyNot);

    [Fact]
    public void Preflight_MissingBuildTools_WinOverACompiler()
    {
        var (toolchain, why) = BuildPreflight.Check(Host(new Dictionary<string, string> { ["flex"] = "flex is not on PATH (Debian: flex)" }), "x86_64");

        Assert.Null(toolchain);
        Assert.Equal("build tools missing: flex is not on PATH (Debian: flex)", why);
    }

    [Fact]
    public void Verdict_Passed_Publishes() =>
        Assert.True(SmokeVerdict.Of(new SmokeResult(SmokeStatus.Passed, "qemu", TimeSpan.FromSeconds(1), null, "Hello"), "qemu", "x86_64", null).Publishes);

    [Fact]
    public void Verdict_NotBootedWithSmokeOff_Publishes() =>
        Assert.True(SmokeVerdict.Of(SmokeResult.Skipped("smoke off"), "qemu", "x86_64", null).Publishes);

    [Fact]
    public void Verdict_HostCannotBoot_SkipsWithTheWorkersReason()
    {
        var verdict = SmokeVerdict.Of(SmokeResult.Unavailable("firecracker", "no KVM"), "fc", "x86_64", "this worker does not serve fc/x86_64: /dev/kvm is absent");

        Assert.False(verdict.Publishes);
        Assert.Null(verdict.FailureReason);
        Assert.Equal("this worker does not serve fc/x86_64: /dev/kvm is absent", verdict.SkipReason);
    }

    [Fact]
    public void Verdict_HostCannotBoot_WithoutAWorkerReason_NamesTheRunner() =>
        Assert.Equal("cannot boot qemu/x86_64 here (qemu): the CPU lacks rdrand", SmokeVerdict.Of(SmokeResult.Unavailable("qemu", "the CPU lacks rdrand"), "qemu", "x86_64", null).SkipReason);

    [Fact]
    public void Verdict_BootThatDidNotPass_FailsNamingTheRunner()
    {
        var verdict = SmokeVerdict.Of(new SmokeResult(SmokeStatus.Failed, "qemu", TimeSpan.FromSeconds(5), "expected \"Hello\" not seen", string.Empty), "qemu", "x86_64", null);

        Assert.Null(verdict.SkipReason);
        Assert.Equal("smoke test failed (qemu): expected \"Hello\" not seen", verdict.FailureReason);
    }
}
