using Farm.Core.Kraftfiles;
using Farm.Core.Planning;

namespace Farm.Core.Tests.Planning;

public sealed class PlannerTests
{
    private static Kraftfile Read(string text)
    {
        var result = new KraftfileParser().Parse(text, "Kraftfile", "/tmp/app");
        Assert.True(result.IsValid, string.Join("\n", result.Diagnostics.Select(d => d.Format())));
        return result.Kraftfile!;
    }

    [Fact]
    public void Plan_OneJobPerTarget_WithQueueAndKernelName()
    {
        var plan = Planner.Plan(Read("spec: v0.6\nname: hello\nunikraft: stable\ntargets: [qemu/x86_64, qemu/arm64, fc/x86_64, xen/x86_64, linuxu/x86_64]\n")).Plan!;

        Assert.Equal(
            ["qemu-x86_64", "qemu-arm64", "fc-x86_64", "xen-x86_64", "linuxu-x86_64"],
            plan.Jobs.Select(j => j.Queue));
        Assert.Equal("hello_qemu-arm64", plan.Jobs[1].KernelFileName);
        Assert.False(plan.TargetsComeFromRuntime);
    }

    [Fact]
    public void Plan_TwoTargetsOnSamePlatformAndArchitecture_AreTwoJobs()
    {
        var plan = Planner.Plan(Read("""
            spec: v0.6
            name: app
            unikraft: stable
            targets:
              - name: app-small
                platform: qemu
                architecture: x86_64
                kconfig: [CONFIG_SIZE=small]
              - name: app-big
                platform: qemu
                architecture: x86_64
                kconfig: [CONFIG_SIZE=big]
            """)).Plan!;

        Assert.Equal(2, plan.Jobs.Count);
        Assert.All(plan.Jobs, j => Assert.Equal("qemu-x86_64", j.Queue));
        Assert.Equal(["small", "big"], plan.Jobs.Select(j => j.KConfig.Single(kv => kv.Key == "CONFIG_SIZE").Value));
    }

    [Fact]
    public void Plan_TwoTargetsBuildingTheSameKernel_Fails()
    {
        var result = Planner.Plan(Read("spec: v0.6\nname: app\nunikraft: stable\ntargets: [qemu/x86_64, kvm/x86_64]\n"));

        Assert.False(result.Succeeded);
        var error = Assert.Single(result.Diagnostics, d => d.IsError);
        Assert.Equal("targets[1]", error.Field);
    }

    [Fact]
    public void Plan_SourceWithoutTargets_FailsWithNoTargetsToBuild()
    {
        var result = Planner.Plan(Read("spec: v0.6\nunikraft: stable\n"));

        Assert.False(result.Succeeded);
        Assert.Contains("no targets to build", Assert.Single(result.Diagnostics).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Plan_RuntimeOnly_SaysTargetsComeFromTheRuntimeImage()
    {
        var plan = Planner.Plan(Read("spec: v0.6\nruntime: nginx:1.25\nrootfs: ./rootfs\n")).Plan!;

        Assert.True(plan.TargetsComeFromRuntime);
        Assert.Equal("unikraft.org/nginx:1.25", plan.Runtime!.Reference);
        Assert.Empty(plan.Jobs);
    }

    [Fact]
    public void Plan_KConfig_FollowsKraftPrecedence()
    {
        var job = Assert.Single(Planner.Plan(Read("""
            spec: v0.6
            name: app
            unikraft:
              kconfig:
                CONFIG_A: unikraft
                CONFIG_B: unikraft
                CONFIG_C: unikraft
                CONFIG_LIBPOSIX_ENVIRON_ENVP1: "HOME=/"
            libraries:
              lwip:
                kconfig:
                  CONFIG_B: library
                  CONFIG_C: library
            targets:
              - platform: qemu
                architecture: arm64
                kconfig:
                  CONFIG_C: target
            env:
              - PORT=80
            """)).Plan!.Jobs);

        var config = job.KConfig.ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal("unikraft", config["CONFIG_A"]);
        Assert.Equal("library", config["CONFIG_B"]);
        Assert.Equal("target", config["CONFIG_C"]);
        Assert.Equal("y", config["CONFIG_LIBLWIP"]);
        Assert.Equal("y", config["CONFIG_ARCH_ARM_64"]);
        Assert.Equal("y", config["CONFIG_PLAT_KVM"]);
        Assert.Equal("HOME=/", config["CONFIG_LIBPOSIX_ENVIRON_ENVP1"]);
        Assert.Equal("PORT=80", config["CONFIG_LIBPOSIX_ENVIRON_ENVP2"]);
    }

    [Theory]
    [InlineData("qemu/arm64", "qemu", false)]
    [InlineData("fc/x86_64", "firecracker", true)]
    [InlineData("xen/x86_64", "xen", true)]
    [InlineData("linuxu/x86_64", "linuxu", true)]
    public void Plan_Requirements_NameArchitectureAndHypervisor(string target, string hypervisor, bool native)
    {
        var job = Assert.Single(Planner.Plan(Read($"spec: v0.6\nname: a\nunikraft: stable\ntargets: [{target}]\n")).Plan!.Jobs);

        Assert.Equal((job.Architecture, hypervisor, native), (job.Requires.Architecture, job.Requires.Hypervisor, job.Requires.NeedsNativeArchitecture));
    }
}
