using System.Text;

namespace Farm.Core.Rootfs;

/// <summary>
/// Writes an initrd as a cpio archive in the <c>newc</c> format (what Linux and Unikraft's ukcpio read),
/// deterministically: entries sorted by path (a directory before what it holds), inode numbers in that order,
/// mtime 0, uid and gid 0, no device numbers. The same entries give the same bytes.
/// </summary>
public static class CpioWriter
{
    private const string Magic = "070701";
    private const string Trailer = "TRAILER!!!";

    public static byte[] Write(IEnumerable<CpioEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        using var output = new MemoryStream();
        var inode = 0u;
        foreach (var entry in entries.OrderBy(e => e.Path, StringComparer.Ordinal))
        {
            var (type, content, links) = entry.Kind switch
            {
                CpioEntryKind.Directory => (0x4000u, Array.Empty<byte>(), 2u),
                CpioEntryKind.SymbolicLink => (0xA000u, Encoding.UTF8.GetBytes(entry.LinkTarget ?? string.Empty), 1u),
                _ => (0x8000u, entry.Content, 1u),
            };
            WriteEntry(output, ++inode, type | ((uint)entry.Permissions & 0x1FF), links, entry.Path, content);
        }

        WriteEntry(output, 0, 0, 1, Trailer, []);
        return output.ToArray();
    }

    /// <summary>
    /// Every file, directory and symbolic link under <paramref name="root"/>. A link is stored as a link (its target as
    /// data: in the guest, <c>/etc -> /host</c> means the guest's own path) and never followed: a linked directory is not
    /// descended, so nothing of the host beyond the root can reach the image. A root that is itself a link is refused
    /// (resolve it first, and check where it leads). Sources of a rootfs (git trees, checked uploads) hold no devices or FIFOs.
    /// </summary>
    public static IReadOnlyList<CpioEntry> EntriesOf(string root)
    {
        var full = Path.GetFullPath(root);
        if (new DirectoryInfo(full).LinkTarget is not null)
        {
            throw new IOException($"{root} is a symbolic link: a walk from it would leave it; give the directory it resolves to");
        }

        var entries = new List<CpioEntry>();
        var pending = new Stack<DirectoryInfo>([new DirectoryInfo(full)]);
        var options = new EnumerationOptions { RecurseSubdirectories = false, AttributesToSkip = 0, IgnoreInaccessible = false };
        while (pending.TryPop(out var directory))
        {
            foreach (var info in directory.EnumerateFileSystemInfos("*", options))
            {
                var relative = Path.GetRelativePath(full, info.FullName).Replace('\\', '/');
                var permissions = info.UnixFileMode & (UnixFileMode)0x1FF;
                if (info.LinkTarget is { } target)
                {
                    entries.Add(new CpioEntry(relative, CpioEntryKind.SymbolicLink, (UnixFileMode)0x1FF) { LinkTarget = target });
                }
                else if (info is DirectoryInfo child)
                {
                    entries.Add(new CpioEntry(relative, CpioEntryKind.Directory, permissions));
                    pending.Push(child);
                }
                else
                {
                    entries.Add(new CpioEntry(relative, CpioEntryKind.File, permissions) { Content = File.ReadAllBytes(info.FullName) });
                }
            }
        }

        return entries;
    }

    private static void WriteEntry(Stream output, uint inode, uint mode, uint links, string name, byte[] content)
    {
        var nameBytes = Encoding.UTF8.GetBytes(name);
        var header = new StringBuilder(Magic);
        foreach (var field in new[] { inode, mode, 0u, 0u, links, 0u, (uint)content.Length, 0u, 0u, 0u, 0u, (uint)nameBytes.Length + 1, 0u })
        {
            header.Append(field.ToString("X8", System.Globalization.CultureInfo.InvariantCulture));
        }

        output.Write(Encoding.ASCII.GetBytes(header.ToString()));
        output.Write(nameBytes);
        output.WriteByte(0);
        Pad(output);
        output.Write(content);
        Pad(output);
    }

    private static void Pad(Stream output)
    {
        while (output.Length % 4 != 0)
        {
            output.WriteByte(0);
        }
    }
}
