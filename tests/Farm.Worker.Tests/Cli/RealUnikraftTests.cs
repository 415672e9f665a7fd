using Farm.Worker.Builders;

namespace Farm.Worker.Tests.Cli;

/// <summary>
/// The farm against the real Unikraft core and app-helloworld, fetched outside the repository and never committed:
/// <c>FARM_REAL_SOURCES</c> names a directory holding <c>unikraft/</c> (a checkout of 0.17 or newer) and
/// <c>app-helloworld/</c> (bench/real-catalog.sh lays one out). Each test skips, saying so, where they are absent.
/// </summary>
public sealed class RealUnikraftTests
{
    private static string? Sources => Environment.GetEnvironmentVariable("FARM_REAL_SOURCES") is { Length: > 0 } root
        && Directory.Exists(Path.Combine(root, "unikraft", "plat")) && Directory.Exists(Path.Combine(root, "app-helloworld"))
            ? root
            : null;

    private static string Skip => "the real Unikraft sources are not here: set FARM_REAL_SOURCES to a directory with unikraft/ (0.17 or newer) and app-helloworld/ (see bench/real-catalog.sh)";

    /// <summary>A copy of app-helloworld with a Kraftfile naming the real core (the app's own kraft.yaml names a registry version).</summary>
    private static string App(TempDirectory temp, string root)
    {
        var app = temp.Combine("app-helloworld");
        Directory.CreateDirectory(app);
        foreach (var file in Directory.EnumerateFiles(Path.Combine(root, "app-helloworld")))
        {
            File.Copy(file, Path.Combine(app, Path.GetFileName(file)));
        }

        File.Delete(Path.Combine(app, "kraft.yaml"));
        File.WriteAllText(Path.Combine(app, "Kraftfile"), $"spec: v0.6\nname: helloworld\nunikraft:\n  source: {Path.Combine(root, "unikraft")}\ntargets:\n  - qemu/x86_64\n  - xen/x86_64\n  - linuxu/x86_64\n");
        return app;
    }

    private static void RequireCore017(string root)
    {
        var version = CoreOffer.Version(Path.Combine(root, "unikraft"));
        Assert.SkipWhen(version is null || new Version(version) < new Version(0, 17), $"the core in FARM_REAL_SOURCES is {version ?? "of unknown version"}; these tests are about 0.17 and newer");
    }

    [Fact]
    public async Task Real_Linuxu_IsRefusedBeforeMakeNamingTheVersion()
    {
        Assert.SkipWhen(Sources is null, Skip);
        RequireCore017(Sources!);
        using var temp = new TempDirectory();

        var run = await WorkerRun.BuildAsync(App(temp, Sources!), "linuxu/x86_64", temp);

        Assert.Equal(1, run.ExitCode);
        Assert.StartsWith($"this Unikraft version ({CoreOffer.Version(Path.Combine(Sources!, "unikraft"))}) has no linuxu platform", run.Result.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.False(Directory.Exists(temp.Combine("build", "kconfig")));
    }

    [Fact]
    public async Task Real_XenX8664_IsAcceptedAsXensLoaderAcceptsIt()
    {
        Assert.SkipWhen(Sources is null, Skip);
        RequireCore017(Sources!);
        using var temp = new TempDirectory();

        var run = await WorkerRun.BuildAsync(App(temp, Sources!), "xen/x86_64", temp);

        var image = run.Result.GetProperty("image");
        Assert.True(image.GetProperty("bootable").GetBoolean(), run.Stdout);
        Assert.Equal("ELF64 x86_64, Xen PV notes", image.GetProperty("format").GetString());
        Assert.True(run.Result.GetProperty("status").GetString() is "succeeded" or "skipped", run.Stdout);
    }

    [Fact]
    public async Task Real_QemuX8664_OnAnEmulatingWorker_IsSkippedWithTheRdseedReason()
    {
        Assert.SkipWhen(Sources is null, Skip);
        RequireCore017(Sources!);
        var capabilities = await Farm.Worker.Capabilities.CapabilityDetector.DetectAsync(null, TestContext.Current.CancellationToken);
        Assert.SkipWhen(capabilities.EmulatedX8664Features is null, "this worker does not emulate x86_64 (KVM works, or there is no QEMU)");
        Assert.SkipWhen(capabilities.EmulatedX8664Features.Contains("rdseed"), "this QEMU emulates RDSEED; the kernel boots");
        using var temp = new TempDirectory();

        var run = await WorkerRun.BuildAsync(App(temp, Sources!), "qemu/x86_64", temp);

        Assert.Equal(3, run.ExitCode);
        Assert.Equal("skipped", run.Result.GetProperty("status").GetString());
        Assert.Contains("the kernel needs RDSEED (CONFIG_LIBUKRANDOM=y", run.Result.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }
}
