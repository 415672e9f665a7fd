using System.Text.Json;
using System.Text.RegularExpressions;
using Farm.Worker.Smoke;

namespace Farm.Worker.Tests.Smoke;

/// <summary>The command lines and configuration files each runner generates, checked without the hypervisor.</summary>
public sealed class RunnerCommandTests
{
    private static SmokeRequest Request(string platform, string architecture, string? initrd = null, params string[] arguments) =>
        new("/k/app_kernel", platform, architecture, new SmokeExpectation(new Regex("x"), TimeSpan.FromSeconds(5), null), "/work")
        {
            InitrdPath = initrd,
            Arguments = arguments,
        };

    [Fact]
    public void Qemu_X8664Emulated_UsesTcgTheDebugExitDeviceAndNoReboot()
    {
        var arguments = string.Join(' ', new QemuRunner("x86_64", useKvm: false).Arguments(Request("qemu", "x86_64", "/k/initrd.cpio", "-p", "80")));

        Assert.Contains("-accel tcg -cpu max", arguments, StringComparison.Ordinal);
        Assert.Contains("-device isa-debug-exit,iobase=0xf4,iosize=0x04", arguments, StringComparison.Ordinal);
        Assert.Contains("-no-reboot", arguments, StringComparison.Ordinal);
        Assert.Contains("-kernel /k/app_kernel -initrd /k/initrd.cpio -append -p 80", arguments, StringComparison.Ordinal);
    }

    [Fact]
    public void Qemu_Arm64WithKvm_UsesTheHostCpuAndNoSemihosting()
    {
        var runner = new QemuRunner("arm64", useKvm: true);
        var arguments = string.Join(' ', runner.Arguments(Request("qemu", "arm64")));

        Assert.Equal("qemu-system-aarch64", runner.Binary);
        Assert.Contains("-accel kvm -cpu host -machine virt", arguments, StringComparison.Ordinal);
        Assert.DoesNotContain("semihosting", arguments, StringComparison.Ordinal);
    }

    [Fact]
    public void Firecracker_Config_HasKernelInitrdBootArgsAndOneVcpu()
    {
        using var config = JsonDocument.Parse(FirecrackerRunner.RenderConfig(Request("fc", "x86_64", "/k/initrd.cpio", "/bin/app", "--port=80")));
        var root = config.RootElement;

        Assert.Equal("/k/app_kernel", root.GetProperty("boot-source").GetProperty("kernel_image_path").GetString());
        Assert.Equal("/k/initrd.cpio", root.GetProperty("boot-source").GetProperty("initrd_path").GetString());
        Assert.Equal("console=ttyS0 reboot=k panic=1 /bin/app --port=80", root.GetProperty("boot-source").GetProperty("boot_args").GetString());
        Assert.Equal(1, root.GetProperty("machine-config").GetProperty("vcpu_count").GetInt32());
        Assert.Equal(128, root.GetProperty("machine-config").GetProperty("mem_size_mib").GetInt32());
    }

    [Fact]
    public void Xen_Config_IsAPvhGuestThatIsDestroyedWhateverHappens()
    {
        var config = XenRunner.RenderConfig(Request("xen", "x86_64", "/k/initrd.cpio", "say \"hi\""), "farm-smoke-1");

        Assert.Contains("name = \"farm-smoke-1\"\n", config, StringComparison.Ordinal);
        Assert.Contains("type = \"pvh\"\n", config, StringComparison.Ordinal);
        Assert.Contains("kernel = \"/k/app_kernel\"\n", config, StringComparison.Ordinal);
        Assert.Contains("ramdisk = \"/k/initrd.cpio\"\n", config, StringComparison.Ordinal);
        Assert.Contains("extra = \"say \\\"hi\\\"\"\n", config, StringComparison.Ordinal);
        Assert.Contains("on_crash = \"destroy\"", config, StringComparison.Ordinal);
        Assert.Contains("on_poweroff = \"destroy\"", config, StringComparison.Ordinal);
    }

    [Fact]
    public void Xen_Config_PvOnlyImage_IsAPvGuest() =>
        Assert.Contains("type = \"pv\"\n", XenRunner.RenderConfig(Request("xen", "x86_64"), "d", "pv"), StringComparison.Ordinal);

    [Fact]
    public void Linuxu_Command_RunsTheKernelUnderAPseudoTerminalWithQuotedArguments()
    {
        var spec = LinuxuRunner.Command(Request("linuxu", "x86_64", null, "it's", "two words"));

        Assert.Equal("script", spec.FileName);
        Assert.Equal(["--quiet", "--return", "--command", "'/k/app_kernel' 'it'\\''s' 'two words'", "/dev/null"], spec.Arguments);
    }

    [Fact]
    public void Runners_MissingBinaries_AreUnavailableWithAReason()
    {
        var firecracker = new FirecrackerRunner("x86_64", kvmProblem: "/dev/kvm does not exist");
        var xen = new XenRunner("x86_64", toolstackProblem: null);

        Assert.SkipWhen(Core.Processes.ExecutableLocator.Find("firecracker") is not null || Core.Processes.ExecutableLocator.Find("xl") is not null, "this host has firecracker or xl installed");
        Assert.Equal("firecracker is not installed", firecracker.UnavailableReason);
        Assert.StartsWith("the Xen toolstack (xl) is not installed", xen.UnavailableReason, StringComparison.Ordinal);
    }
}
