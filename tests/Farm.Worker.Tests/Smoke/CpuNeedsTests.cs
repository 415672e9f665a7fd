using System.Text.RegularExpressions;
using Farm.Worker.Smoke;

namespace Farm.Worker.Tests.Smoke;

/// <summary>
/// x86_64 kernels on emulating workers: what a kernel needs from the CPU (its .config), what QEMU's emulation
/// gives (a probe kernel asks CPUID), and the reason a user reads when a boot stops.
/// </summary>
public sealed class CpuNeedsTests
{
    [Fact]
    public void Needs_LibukrandomOnX8664_NeedsRdrandAndRdseed()
    {
        using var temp = new TempDirectory();
        var config = temp.Combine(".config");
        File.WriteAllText(config, "CONFIG_UK_NAME=\"helloworld\"\nCONFIG_LIBUKRANDOM=y\n");

        Assert.Equal(["rdrand", "rdseed"], KernelCpuNeeds.Of(config, "x86_64").Select(n => n.Feature));
        Assert.Empty(KernelCpuNeeds.Of(config, "arm64"));
        File.WriteAllText(config, "# CONFIG_LIBUKRANDOM is not set\n");
        Assert.Empty(KernelCpuNeeds.Of(config, "x86_64"));
    }

    [Fact]
    public void Lacking_RdseedUnderEmulation_SaysWhatIsMissingAndWhatWouldBootIt()
    {
        var reason = KernelCpuNeeds.Lacking([("rdrand", "CONFIG_LIBUKRANDOM=y"), ("rdseed", "CONFIG_LIBUKRANDOM=y")], new HashSet<string> { "rdrand" }, "qemu-system-x86_64 (emulated)");

        Assert.NotNull(reason);
        Assert.StartsWith("the kernel needs RDSEED (CONFIG_LIBUKRANDOM=y", reason, StringComparison.Ordinal);
        Assert.Contains("KVM", reason, StringComparison.Ordinal);
        Assert.Null(KernelCpuNeeds.Lacking([("rdrand", "x")], new HashSet<string> { "rdrand" }, "q"));
    }

    [Fact]
    public async Task Probe_EmulatedX8664_ReportsWhatCpuidSays()
    {
        Assert.SkipWhen(Farm.Core.Processes.ExecutableLocator.Find("qemu-system-x86_64") is null, "qemu-system-x86_64 is not installed");
        var capabilities = await Farm.Worker.Capabilities.CapabilityDetector.DetectAsync(null, TestContext.Current.CancellationToken);
        Assert.SkipWhen(capabilities.KvmWorks && capabilities.HostArchitecture == "x86_64", "KVM works here: x86_64 guests are not emulated, so there is nothing to probe");

        var features = capabilities.EmulatedX8664Features;

        // QEMU's TCG implements RDRAND but not RDSEED (QEMU 7.2 drops +rdseed with a warning).
        Assert.NotNull(features);
        Assert.Contains("rdrand", features);
        Assert.DoesNotContain("rdseed", features);
    }

    [Fact]
    public void Judge_KernelStopsAfterAnError_PutsTheConsoleLineInTheReason()
    {
        const string Console = "[    0.101584] ERR:  [libukrandom] <random.c @   65> Could not initialize the HWRNG (-95)\n"
            + "[    0.104716] ERR:  [libukboot] <boot.c @  427> Init function at 0x123870 returned error -95\n";

        var (status, reason) = ConsoleJudge.Judge(new SmokeExpectation(new Regex("Powered by"), TimeSpan.FromSeconds(5), null), Console, GuestEnd.PoweredOff, TimeSpan.FromSeconds(5));

        Assert.Equal(SmokeStatus.Failed, status);
        Assert.Equal(
            "the kernel ended (powered off) without printing anything matching /Powered by/; the console said: [    0.101584] ERR:  [libukrandom] <random.c @   65> Could not initialize the HWRNG (-95)",
            reason);
    }
}
