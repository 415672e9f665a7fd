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

    /// <summary>Every file, directory and symbolic link under <paramref name="root"/> (links are not followed).</summary>
    public static IReadOnlyList<CpioEntry> EntriesOf(string root)
    {
        var full = Path.GetFullPath(root);
        var entries = new List<CpioEntry>();
        foreach (var info in new DirectoryInfo(full).EnumerateFileSystemInfos("*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = 0, IgnoreInaccessible = false }))
        {
            var relative = Path.GetRelativePath(full, info.FullName).Replace('\\', '/');
            var permissions = info.UnixFileMode & (UnixFileMode)0x1FF;
            entries.Add(info switch
            {
                _ when info.LinkTarget is { } target => new CpioEntry(relative, CpioEntryKind.SymbolicLink, (UnixFileMode)0x1FF) { LinkTarget = target },
                DirectoryInfo => new CpioEntry(relative, CpioEntryKind.Directory, permissions),
                _ => new CpioEntry(relative, CpioEntryKind.File, permissions) { Content = File.ReadAllBytes(info.FullName) },
            });
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
