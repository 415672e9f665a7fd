namespace Farm.Core.Planning;

/// <summary>
/// One job of a build: one Kraftfile target. Identified within its build by <see cref="KernelFileName"/>
/// (<c>name_plat-arch</c>), which is unique in a valid plan even when two targets share a platform and architecture.
/// </summary>
public sealed record TargetJob(
    string Target,
    string Platform,
    string Architecture,
    string Queue,
    string KernelFileName,
    IReadOnlyList<KeyValuePair<string, string>> KConfig,
    WorkerRequirements Requires)
{
    /// <summary>The kconfig symbols with which Unikraft builds the rootfs into the kernel (no initrd layer then).</summary>
    public static readonly IReadOnlyList<string> EmbeddedInitrdSymbols =
        ["CONFIG_LIBVFSCORE_AUTOMOUNT_EINITRD", "CONFIG_LIBVFSCORE_AUTOMOUNT_CI_EINITRD", "CONFIG_LIBVFSCORE_FSTAB"];

    /// <summary>Whether this target's kconfig embeds the rootfs in the kernel.</summary>
    public bool EmbedsInitrd => KConfig.Any(c => c.Value == "y" && EmbeddedInitrdSymbols.Contains(c.Key));
}
