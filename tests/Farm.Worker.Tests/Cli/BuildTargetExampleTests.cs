using System.Security.Cryptography;

namespace Farm.Worker.Tests.Cli;

/// <summary>
/// The example catalog, built through the fixture core and booted on real QEMU (emulated here) and as a linuxu
/// process: what a user of <c>worker build-target</c> checks is the exit code, the console and result.json.
/// </summary>
public sealed class BuildTargetExampleTests
{
    [Theory]
    [InlineData("qemu/x86_64", "helloworld_qemu-x86_64")]
    [InlineData("qemu/arm64", "helloworld_qemu-arm64")]
    [InlineData("linuxu/x86_64", "helloworld_linuxu-x86_64")]
    public async Task BuildTarget_Helloworld_BootsAndPrintsHello(string target, string kernel)
    {
        using var temp = new TempDirectory();
        var run = await WorkerRun.BuildAsync(Path.Combine(TestPaths.Examples, "helloworld"), target, temp);

        Assert.True(run.ExitCode == 0, run.Stderr);
        var result = run.Result;
        Assert.Equal("succeeded", result.GetProperty("status").GetString());
        Assert.Equal("passed", result.GetProperty("smoke").GetProperty("status").GetString());
        Assert.Equal(kernel, result.GetProperty("kernel").GetString());
        var kernelPath = temp.Combine("out", kernel);
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(kernelPath))), result.GetProperty("kernelSha256").GetString());
        var console = File.ReadAllText(temp.Combine("out", "console.log"));
        Assert.Contains("Powered by Unikraft", console, StringComparison.Ordinal);
        Assert.Contains("Hello, world!", console, StringComparison.Ordinal);
        Assert.Contains("CONFIG_UK_NAME=\"helloworld\"", File.ReadAllText(temp.Combine("out", ".config")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("fc/x86_64", "PVH")]
    [InlineData("xen/x86_64", "PVH")]
    public async Task BuildTarget_PlatformWithoutHypervisor_ChecksImageAndReportsSkippedAsFarmBuildDoes(string target, string format)
    {
        using var temp = new TempDirectory();
        var run = await WorkerRun.BuildAsync(Path.Combine(TestPaths.Examples, "helloworld"), target, temp);

        var smoke = run.Result.GetProperty("smoke");
        Assert.SkipWhen(smoke.GetProperty("status").GetString() == "passed", $"this host can boot {target}; the unavailable path is not reachable here");
        Assert.Equal(3, run.ExitCode);
        Assert.Equal("unavailable", smoke.GetProperty("status").GetString());
        Assert.False(string.IsNullOrEmpty(smoke.GetProperty("reason").GetString()));
        var image = run.Result.GetProperty("image");
        Assert.True(image.GetProperty("bootable").GetBoolean());
        Assert.Contains(format, image.GetProperty("format").GetString(), StringComparison.Ordinal);
        // Skipped, as farm build reports a target no worker can boot: the same status and reason, exit 3, a SKIPPED line.
        Assert.Equal("skipped", run.Result.GetProperty("status").GetString());
        var capabilities = await Farm.Worker.Capabilities.CapabilityDetector.DetectAsync(null, TestContext.Current.CancellationToken);
        Assert.Equal(capabilities.WhyNotServed(target.Split('/')[0], "x86_64"), run.Result.GetProperty("reason").GetString());
        Assert.Contains($"SKIPPED: {capabilities.WhyNotServed(target.Split('/')[0], "x86_64")}", File.ReadAllText(temp.Combine("out", "build.log")), StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(temp.Combine("out"), "helloworld_*"));
    }

    [Theory]
    [InlineData("fc/x86_64", "helloworld_fc-x86_64")]
    [InlineData("xen/x86_64", "helloworld_xen-x86_64")]
    public async Task BuildTarget_PvhImage_AlsoBootsThroughQemusPvhLoader(string target, string kernel)
    {
        // Beyond the structural check: QEMU enters an ELF64 through its PVH note, as Firecracker and Xen do.
        Assert.SkipWhen(Farm.Core.Processes.ExecutableLocator.Find("qemu-system-x86_64") is null, "qemu-system-x86_64 is not installed");
        using var temp = new TempDirectory();
        await WorkerRun.BuildAsync(Path.Combine(TestPaths.Examples, "helloworld"), target, temp);
        var expectation = new Farm.Worker.Smoke.SmokeExpectation(new System.Text.RegularExpressions.Regex("Hello, world!"), TimeSpan.FromSeconds(30), null);
        var request = new Farm.Worker.Smoke.SmokeRequest(temp.Combine("build", kernel), "qemu", "x86_64", expectation, temp.Path);

        var boot = await new Farm.Worker.Smoke.QemuRunner("x86_64", useKvm: false).RunAsync(request, TestContext.Current.CancellationToken);

        Assert.Contains("Powered by Unikraft", boot.Console, StringComparison.Ordinal);
        Assert.Contains($"({target},", boot.Console, StringComparison.Ordinal);
        Assert.Contains("Hello, world!", boot.Console, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("qemu/x86_64")]
    [InlineData("qemu/arm64")]
    [InlineData("linuxu/x86_64")]
    public async Task BuildTarget_Calculator_PrintsWhatItsLibrariesCompute(string target)
    {
        using var temp = new TempDirectory();
        var run = await WorkerRun.BuildAsync(Path.Combine(TestPaths.Examples, "calculator"), target, temp);

        Assert.True(run.ExitCode == 0, run.Stderr);
        var console = File.ReadAllText(temp.Combine("out", "console.log"));
        Assert.Contains("2^100 = 1,267,650,600,228,229,401,496,703,205,376", console, StringComparison.Ordinal);
        Assert.Contains("prime #100 = 541", console, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("two-configs-quiet", "config: quiet")]
    [InlineData("two-configs-verbose", "config: verbose")]
    public async Task BuildTarget_TwoConfigsOnOnePlatform_EachBootsItsOwnConfig(string target, string expected)
    {
        using var temp = new TempDirectory();
        var run = await WorkerRun.BuildAsync(Path.Combine(TestPaths.Examples, "two-configs"), target, temp);

        Assert.True(run.ExitCode == 0, run.Stderr);
        var console = File.ReadAllText(temp.Combine("out", "console.log"));
        Assert.Contains(expected, console, StringComparison.Ordinal);
        Assert.Equal($"{target}_qemu-x86_64", run.Result.GetProperty("kernel").GetString());
    }

    [Fact]
    public async Task BuildTarget_SameTargetInTwoBuildDirectories_GivesBitIdenticalKernels()
    {
        using var first = new TempDirectory();
        using var second = new TempDirectory();
        var helloworld = Path.Combine(TestPaths.Examples, "helloworld");

        var a = await WorkerRun.BuildAsync(helloworld, "qemu/x86_64", first);
        var b = await WorkerRun.BuildAsync(helloworld, "qemu/x86_64", second);

        Assert.True(a.ExitCode == 0 && b.ExitCode == 0, a.Stderr + b.Stderr);
        Assert.Equal(
            File.ReadAllBytes(first.Combine("out", "helloworld_qemu-x86_64")),
            File.ReadAllBytes(second.Combine("out", "helloworld_qemu-x86_64")));
    }
}
