using Farm.Core.Kraftfiles;

namespace Farm.Core.Planning;

/// <summary>
/// The kconfig a target is configured with, in kraft's precedence (later wins): <c>unikraft.kconfig</c>, each
/// library's kconfig and its enabling switch, the architecture's switch, the platform's switches, the target's
/// kconfig, then <c>env</c> compiled in as <c>CONFIG_LIBPOSIX_ENVIRON_ENVP&lt;N&gt;</c> in free slots 1–15.
/// </summary>
public static class KConfigMerger
{
    private const int EnvironmentSlots = 15;

    public static IReadOnlyList<KeyValuePair<string, string>> Merge(Kraftfile kraftfile, Target target)
    {
        var merged = new OrderedKeyValues();
        merged.SetAll(kraftfile.Unikraft?.KConfig);
        foreach (var library in kraftfile.Libraries)
        {
            merged.SetAll(library.Component.KConfig);
            merged.Set(LibrarySwitch(library.Name), "y");
        }

        merged.Set(ArchitectureSwitch(target.Architecture), "y");
        foreach (var (key, value) in PlatformSwitches(target.Platform))
        {
            merged.Set(key, value);
        }

        merged.SetAll(target.KConfig);
        var slot = 1;
        foreach (var variable in kraftfile.Env)
        {
            while (slot <= EnvironmentSlots && merged.Get(EnvironmentSlot(slot)) is { Length: > 0 })
            {
                slot++;
            }

            if (slot > EnvironmentSlots)
            {
                break;
            }

            merged.Set(EnvironmentSlot(slot++), $"{variable.Name}={variable.Value}");
        }

        return merged.ToList();
    }

    /// <summary>Unikraft's library switch: <c>lwip</c> → <c>CONFIG_LIBLWIP</c>, <c>libfoo</c> → <c>CONFIG_LIBFOO</c>.</summary>
    public static string LibrarySwitch(string library)
    {
        var upper = library.ToUpperInvariant().Replace('-', '_');
        return upper.StartsWith("LIB", StringComparison.Ordinal) ? $"CONFIG_{upper}" : $"CONFIG_LIB{upper}";
    }

    private static string EnvironmentSlot(int n) => $"CONFIG_LIBPOSIX_ENVIRON_ENVP{n}";

    private static string ArchitectureSwitch(string architecture) => architecture switch
    {
        Architectures.Arm64 => "CONFIG_ARCH_ARM_64",
        Architectures.Arm => "CONFIG_ARCH_ARM_32",
        _ => "CONFIG_ARCH_X86_64",
    };

    private static IEnumerable<KeyValuePair<string, string>> PlatformSwitches(string platform) => platform switch
    {
        Platforms.Qemu => [new("CONFIG_PLAT_KVM", "y"), new("CONFIG_KVM_VMM_QEMU", "y")],
        Platforms.Firecracker or Platforms.KraftCloud => [new("CONFIG_PLAT_KVM", "y"), new("CONFIG_KVM_VMM_FIRECRACKER", "y")],
        Platforms.Xen => [new("CONFIG_PLAT_XEN", "y")],
        _ => [new("CONFIG_PLAT_LINUXU", "y")],
    };
}
