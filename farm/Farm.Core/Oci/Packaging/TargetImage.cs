namespace Farm.Core.Oci.Packaging;

/// <summary>What goes into one target's image: the kernel, an optional initrd, the target's <c>.config</c>, and the
/// run configuration (<c>cmd</c>, <c>env</c>, <c>labels</c>) from the Kraftfile.</summary>
public sealed record TargetImage(string Target, string Platform, string Architecture, byte[] Kernel, DotConfig Config)
{
    public UnixFileMode KernelMode { get; init; } = (UnixFileMode)0x1ED; // 0755

    /// <summary>The app's name (the Kraftfile's <c>name</c>): an OCI layout's image is named by it, not by the layout's directory.</summary>
    public string? Name { get; init; }

    public byte[]? Initrd { get; init; }

    public IReadOnlyList<string> Cmd { get; init; } = [];

    /// <summary><c>NAME=value</c> entries, in the Kraftfile's order.</summary>
    public IReadOnlyList<string> Env { get; init; } = [];

    public IReadOnlyList<KeyValuePair<string, string>> Labels { get; init; } = [];
}
