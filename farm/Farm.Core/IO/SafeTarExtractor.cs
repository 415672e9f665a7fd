using System.Formats.Tar;
using System.IO.Compression;

namespace Farm.Core.IO;

/// <summary>
/// Extracts a tar (plain or gzip) into a directory without letting any entry out of it: names are taken relative
/// to the root (a leading <c>./</c> is dropped) and refused when absolute or when <c>..</c> would leave it; nothing is
/// ever written through a symbolic link (an entry below a link, or replacing one, is refused), so a link, even one
/// pointing outside, is only a link; hard links are copies of a file already extracted inside the root. Device
/// nodes and FIFOs are not created; setuid, setgid and sticky bits are dropped. Every refused or changed entry is
/// reported by path: a rootfs or a source keeps what is safe and the caller decides whether refusals are fatal.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public static class SafeTarExtractor
{
    private const UnixFileMode SpecialBits = UnixFileMode.SetUser | UnixFileMode.SetGroup | UnixFileMode.StickyBit;

    public static ExtractionReport Extract(Stream archive, string root, bool allowLinksOutside, CancellationToken cancellationToken = default) =>
        Extract(archive, root, allowLinksOutside, include: null, cancellationToken);

    /// <param name="allowLinksOutside">Keep symbolic links whose target leaves the root (a rootfs: an absolute link
    /// means the guest's root); otherwise they are refused (a build source: make would follow them on the host).</param>
    /// <param name="include">Entries (by their relative name) to extract; others are skipped silently (e.g. whiteout markers).</param>
    public static ExtractionReport Extract(Stream archive, string root, bool allowLinksOutside, Func<string, bool>? include, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(archive);
        var fullRoot = Path.GetFullPath(root);
        Directory.CreateDirectory(fullRoot);
        var report = new ExtractionReport();
        using var input = Decompressed(archive);
        using var reader = new TarReader(input);
        while (reader.GetNextEntry(copyData: false) is { } entry)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var name = entry.Name;
            if (RelativeName(name) is not { } relative)
            {
                report.Refuse(name, "leaves the directory (an absolute path or '..')");
                continue;
            }

            if (relative.Length == 0 || (include is not null && !include(relative)))
            {
                continue;
            }

            var target = Path.Combine(fullRoot, relative);
            if (LinkOnTheWay(fullRoot, relative) is { } link)
            {
                report.Refuse(name, $"would be written through the symbolic link {link}");
                continue;
            }

            var written = true;
            switch (entry.EntryType)
            {
                case TarEntryType.Directory:
                    if (new FileInfo(target).LinkTarget is not null)
                    {
                        report.Refuse(name, "a directory in place of a symbolic link the archive made");
                        continue;
                    }

                    Directory.CreateDirectory(target);
                    SetMode(target, entry, report, name);
                    break;
                case TarEntryType.RegularFile or TarEntryType.V7RegularFile or TarEntryType.ContiguousFile:
                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    if (Directory.Exists(target))
                    {
                        report.Refuse(name, "a file where the archive already made a directory");
                        continue;
                    }

                    File.Delete(target);
                    using (var output = new FileStream(target, FileMode.CreateNew, FileAccess.Write))
                    {
                        entry.DataStream?.CopyTo(output);
                    }

                    SetMode(target, entry, report, name);
                    break;
                case TarEntryType.SymbolicLink:
                    if (!allowLinksOutside && !StaysInside(relative, entry.LinkName))
                    {
                        report.Refuse(name, $"a symbolic link to {entry.LinkName}, outside the directory");
                        continue;
                    }

                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    DeleteExisting(target);
                    File.CreateSymbolicLink(target, entry.LinkName);
                    break;
                case TarEntryType.HardLink:
                    if (RelativeName(entry.LinkName) is not { Length: > 0 } linked || LinkOnTheWay(fullRoot, linked) is not null
                        || !File.Exists(Path.Combine(fullRoot, linked)) || new FileInfo(Path.Combine(fullRoot, linked)).LinkTarget is not null)
                    {
                        report.Refuse(name, $"a hard link to {entry.LinkName}, which is not a file extracted inside the directory");
                        continue;
                    }

                    Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                    DeleteExisting(target);
                    File.Copy(Path.Combine(fullRoot, linked), target);
                    break;
                case TarEntryType.CharacterDevice or TarEntryType.BlockDevice or TarEntryType.Fifo:
                    report.Refuse(name, $"a {entry.EntryType} is not created (a device node has no place in an image built without privileges)");
                    written = false;
                    break;
                case TarEntryType.GlobalExtendedAttributes or TarEntryType.ExtendedAttributes or TarEntryType.LongLink or TarEntryType.LongPath:
                    written = false;
                    break;
                default:
                    report.Refuse(name, $"entry type {entry.EntryType} is not extracted");
                    written = false;
                    break;
            }

            if (written)
            {
                report.Extracted.Add(relative);
            }
        }

        return report;
    }

    /// <summary>The name relative to the root, normalised; null when it is absolute or would leave the root.</summary>
    public static string? RelativeName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (name.StartsWith('/'))
        {
            return null;
        }

        var parts = new List<string>();
        foreach (var part in name.Replace('\\', '/').Split('/', StringSplitOptions.RemoveEmptyEntries))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (parts.Count == 0)
                {
                    return null;
                }

                parts.RemoveAt(parts.Count - 1);
                continue;
            }

            parts.Add(part);
        }

        return string.Join('/', parts);
    }

    /// <summary>Whether a link at <paramref name="relative"/> to <paramref name="linkTarget"/> resolves inside the root.</summary>
    private static bool StaysInside(string relative, string linkTarget)
    {
        if (linkTarget.StartsWith('/'))
        {
            return false;
        }

        var directory = Path.GetDirectoryName(relative)?.Replace('\\', '/') ?? string.Empty;
        return RelativeName(directory.Length == 0 ? linkTarget : $"{directory}/{linkTarget}") is not null;
    }

    /// <summary>The first component of <paramref name="relative"/> (the entry itself included, for files) that is a symbolic link on disk.</summary>
    private static string? LinkOnTheWay(string root, string relative)
    {
        var parts = relative.Split('/');
        var path = root;
        for (var i = 0; i < parts.Length - 1; i++)
        {
            path = Path.Combine(path, parts[i]);
            var info = new FileInfo(path);
            if (info.LinkTarget is not null)
            {
                return string.Join('/', parts[..(i + 1)]);
            }

            if (!info.Exists && !Directory.Exists(path))
            {
                return null;
            }
        }

        return null;
    }

    private static void SetMode(string path, TarEntry entry, ExtractionReport report, string name)
    {
        var mode = entry.Mode;
        if ((mode & SpecialBits) != 0)
        {
            report.Changed.Add((name, "setuid/setgid/sticky bits dropped"));
            mode &= ~SpecialBits;
        }

        File.SetUnixFileMode(path, mode | UnixFileMode.UserRead | UnixFileMode.UserWrite | (entry.EntryType == TarEntryType.Directory ? UnixFileMode.UserExecute : 0));
    }

    private static void DeleteExisting(string path)
    {
        if (Directory.Exists(path) && new DirectoryInfo(path).LinkTarget is null)
        {
            Directory.Delete(path, recursive: true);
        }
        else
        {
            File.Delete(path);
        }
    }

    private static Stream Decompressed(Stream archive)
    {
        var buffered = new BufferedStream(archive, 1 << 16);
        Span<byte> magic = stackalloc byte[2];
        var start = buffered.CanSeek ? buffered.Position : 0;
        var read = buffered.Read(magic);
        if (buffered.CanSeek)
        {
            buffered.Position = start;
        }
        else
        {
            throw new ArgumentException("the archive stream must be seekable", nameof(archive));
        }

        return read == 2 && magic[0] == 0x1f && magic[1] == 0x8b ? new GZipStream(buffered, CompressionMode.Decompress) : buffered;
    }
}

/// <summary>What an extraction did: the entries written, those refused (by path, with the reason) and those changed.</summary>
public sealed class ExtractionReport
{
    public List<string> Extracted { get; } = [];

    public List<(string Path, string Reason)> Refused { get; } = [];

    public List<(string Path, string Change)> Changed { get; } = [];

    public void Refuse(string path, string reason) => Refused.Add((path, reason));
}
