namespace Farm.Core.Rootfs;

/// <summary>One entry of an initrd: a path relative to the root (no leading <c>/</c> or <c>./</c>), its kind, permissions and content.</summary>
public sealed record CpioEntry(string Path, CpioEntryKind Kind, UnixFileMode Permissions)
{
    /// <summary>A regular file's bytes.</summary>
    public byte[] Content { get; init; } = [];

    /// <summary>A symbolic link's target, as written.</summary>
    public string? LinkTarget { get; init; }
}

public enum CpioEntryKind
{
    Directory,
    File,
    SymbolicLink,
}
