namespace Farm.Core.Oci.Packaging;

/// <summary>The annotation keys kraft writes and reads (reference/oci.md §1), and the farm's own.</summary>
public static class KraftAnnotations
{
    /// <summary>kraft skips index entries without it. The value is the KraftKit release whose layout we write.</summary>
    public const string KraftKitVersion = "sh.kraftkit.version";
    public const string KraftKitVersionValue = "0.9.2";
    public const string RefName = "org.opencontainers.image.ref.name";
    public const string ContainerdImageName = "io.containerd.image.name";
    public const string UnikraftImageName = "org.unikraft.image.name";
    public const string UnikraftKernelVersion = "org.unikraft.kernel.version";
    public const string KernelImage = "org.unikraft.kernel.image";
    public const string KernelInitrd = "org.unikraft.kernel.initrd";
    public const string KernelPath = "/unikraft/bin/kernel";
    public const string InitrdPath = "/unikraft/bin/initrd";

    /// <summary>The farm's: which Kraftfile target an index entry is, so a rebuild replaces exactly its entry.</summary>
    public const string Target = "org.unikernel-farm.target";
}
