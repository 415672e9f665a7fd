namespace Farm.Worker.Rootfs;

/// <summary>
/// What a Kraftfile's <c>rootfs:</c> names, found in kraft's order: a cpio archive (used as is), a directory, a
/// Dockerfile (built with its directory as the context), a tarball, else an OCI image reference.
/// </summary>
internal sealed record RootfsSource(RootfsKind Kind, string Location)
{
    private static readonly byte[] CpioMagic = "070701"u8.ToArray();
    private static readonly byte[] CpioCrcMagic = "070702"u8.ToArray();

    public static RootfsSource Detect(string kraftfileDirectory, string rootfs)
    {
        ArgumentNullException.ThrowIfNull(rootfs);
        var path = Path.GetFullPath(rootfs, kraftfileDirectory);
        if (Directory.Exists(path))
        {
            return new RootfsSource(RootfsKind.Directory, path);
        }

        if (!File.Exists(path))
        {
            return new RootfsSource(RootfsKind.Image, rootfs);
        }

        Span<byte> head = stackalloc byte[262];
        int read;
        using (var stream = File.OpenRead(path))
        {
            read = stream.ReadAtLeast(head, head.Length, throwOnEndOfStream: false);
        }

        head = head[..read];
        if (head.StartsWith(CpioMagic) || head.StartsWith(CpioCrcMagic))
        {
            return new RootfsSource(RootfsKind.Cpio, path);
        }

        var name = Path.GetFileName(path);
        if (name.Contains("Dockerfile", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".dockerfile", StringComparison.OrdinalIgnoreCase) || name.Equals("Containerfile", StringComparison.Ordinal))
        {
            return new RootfsSource(RootfsKind.Dockerfile, path);
        }

        // gzip, or a ustar/GNU tar header ("ustar" at offset 257).
        var isTar = (head.Length >= 2 && head[0] == 0x1f && head[1] == 0x8b) || (head.Length >= 262 && head[257..262].SequenceEqual("ustar"u8));
        return new RootfsSource(isTar ? RootfsKind.Tarball : RootfsKind.Unknown, path);
    }
}

internal enum RootfsKind
{
    Cpio,
    Directory,
    Dockerfile,
    Tarball,
    Image,

    /// <summary>A file that is none of the above.</summary>
    Unknown,
}
