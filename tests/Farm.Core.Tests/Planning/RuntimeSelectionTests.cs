using Farm.Core.Kraftfiles;
using Farm.Core.Oci;
using Farm.Core.Planning;

namespace Farm.Core.Tests.Planning;

/// <summary>
/// A runtime-only Kraftfile's targets pick the runtime's kernels as kraft does: platform, architecture, and every
/// kconfig entry of the target present in the manifest's <c>os.features</c>.
/// </summary>
public sealed class RuntimeSelectionTests
{
    private static readonly Descriptor Plain = Entry("qemu", "x86_64", 'a', "CONFIG_PLAT_KVM=y");
    private static readonly Descriptor WithNet = Entry("qemu", "x86_64", 'b', "CONFIG_PLAT_KVM=y", "CONFIG_LIBUKNETDEV=y");
    private static readonly Descriptor Arm = Entry("qemu", "arm64", 'c', "CONFIG_PLAT_KVM=y");
    private static readonly ImageIndex Index = new([Plain, WithNet, Arm]);

    private static Descriptor Entry(string os, string architecture, char digit, params string[] features) =>
        new(MediaTypes.ImageManifest, Digest.Parse("sha256:" + new string(digit, 64)), 100) { Platform = new Platform(os, architecture, "0.17.0", features) };

    private static Kraftfile Read(string text)
    {
        var result = new KraftfileParser().Parse(text, "/apps/web/Kraftfile", "/apps/web");
        Assert.True(result.IsValid, string.Join("\n", result.Diagnostics.Select(d => d.Format())));
        return result.Kraftfile!;
    }

    [Fact]
    public void NoTargets_OneJobPerPlatformTheIndexOffers()
    {
        var (choices, problem) = RuntimeSelection.Choose(Read("spec: v0.6\nname: web\nruntime: base:latest\n"), Index, "unikraft.org/base:latest");

        Assert.Null(problem);
        Assert.Equal(["web_qemu-x86_64", "web_qemu-arm64"], choices.Select(c => c.KernelFileName("web")));
        Assert.Equal(Plain.Digest, choices[0].Entry.Digest);
    }

    [Fact]
    public void TargetKConfig_SelectsTheKernelWhoseFeaturesHoldIt()
    {
        var kraftfile = Read("""
            spec: v0.6
            name: web
            runtime: base:latest
            targets:
            - qemu/arm64
            - name: web-net
              platform: qemu
              architecture: x86_64
              kconfig:
                CONFIG_LIBUKNETDEV: "y"
            """);

        var (choices, problem) = RuntimeSelection.Choose(kraftfile, Index, "unikraft.org/base:latest");

        Assert.Null(problem);
        Assert.Equal(["web_qemu-arm64", "web-net_qemu-x86_64"], choices.Select(c => c.KernelFileName("web")));
        Assert.Equal(WithNet.Digest, choices[1].Entry.Digest);
        Assert.Equal(["CONFIG_LIBUKNETDEV=y"], choices[1].RequiredFeatures);
    }

    [Fact]
    public void AKConfigNoKernelHas_OrAPlatformTheRuntimeLacks_IsAnErrorAtTheTargetSayingWhatIsOffered()
    {
        var kraftfile = Read("""
            spec: v0.6
            name: web
            runtime: base:latest
            targets:
            - platform: qemu
              architecture: x86_64
              kconfig:
                CONFIG_LIBVFSCORE_AUTOMOUNT_EINITRD: "y"
            - fc/x86_64
            """);

        var (choices, problem) = RuntimeSelection.Choose(kraftfile, Index, "unikraft.org/base:latest");

        Assert.Empty(choices);
        Assert.Equal(
            "/apps/web/Kraftfile:5:3: targets: the runtime unikraft.org/base:latest has no kernel for qemu/x86_64 with CONFIG_LIBVFSCORE_AUTOMOUNT_EINITRD=y; fc/x86_64; it offers qemu/x86_64, qemu/arm64",
            problem);
    }
}
