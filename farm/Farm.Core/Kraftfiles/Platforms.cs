namespace Farm.Core.Kraftfiles;

/// <summary>The platforms kraft builds for, with its aliases (<c>kvm</c> → <c>qemu</c>, <c>firecracker</c> → <c>fc</c>).</summary>
public static class Platforms
{
    public const string Qemu = "qemu";
    public const string Firecracker = "fc";
    public const string Xen = "xen";
    public const string Linuxu = "linuxu";
    public const string KraftCloud = "kraftcloud";

    private static readonly Dictionary<string, string> Canonical = new(StringComparer.Ordinal)
    {
        [Qemu] = Qemu,
        ["kvm"] = Qemu,
        [Firecracker] = Firecracker,
        ["firecracker"] = Firecracker,
        [Xen] = Xen,
        [Linuxu] = Linuxu,
        [KraftCloud] = KraftCloud,
    };

    public static IReadOnlyCollection<string> Known { get; } = [Qemu, Firecracker, Xen, Linuxu, KraftCloud];

    public static string? Canonicalize(string written) => Canonical.GetValueOrDefault(written);

    /// <summary>Every accepted spelling, for suggestions.</summary>
    internal static IReadOnlyCollection<string> Spellings => Canonical.Keys;
}
