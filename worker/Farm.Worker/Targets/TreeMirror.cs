using Farm.Core.IO;

namespace Farm.Worker.Targets;

/// <summary>
/// Makes one directory an exact copy of a source tree, writing only what differs: a file whose bytes and mode are
/// already right keeps its modification time (so make, building in place, recompiles only what changed), anything
/// else is replaced by rename, and whatever the tree lacks is removed. The copy is compared, never trusted: whoever
/// wrote it last, it ends equal to the tree. Links in the copy are removed, never followed.
/// </summary>
internal static class TreeMirror
{
    private static readonly EnumerationOptions Entries = new() { AttributesToSkip = 0, IgnoreInaccessible = false, RecurseSubdirectories = false };

    /// <summary>Copies <paramref name="source"/> into <paramref name="destination"/>; how many files it wrote and removed.</summary>
    public static MirrorCounts Sync(string source, string destination)
    {
        var counts = new MirrorCounts();
        Directory.CreateDirectory(destination);
        if (FileKinds.Of(destination) != FileKind.Directory)
        {
            throw new IOException($"{destination} is not a directory");
        }

        SyncDirectory(source, destination, counts);
        return counts;
    }

    private static void SyncDirectory(string source, string destination, MirrorCounts counts)
    {
        var wanted = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in new DirectoryInfo(source).EnumerateFileSystemInfos("*", Entries))
        {
            wanted.Add(entry.Name);
            var target = Path.Combine(destination, entry.Name);
            switch (FileKinds.Of(entry.FullName))
            {
                case FileKind.Directory:
                    if (FileKinds.Of(target) != FileKind.Directory)
                    {
                        Remove(target, counts);
                        Directory.CreateDirectory(target);
                    }

                    SyncDirectory(entry.FullName, target, counts);
                    break;
                case FileKind.Regular:
                    if (!SameFile(entry.FullName, target))
                    {
                        Remove(target, counts, keepRegular: true);
                        Copy(entry.FullName, target);
                        counts.Written++;
                    }
                    else
                    {
                        counts.Kept++;
                    }

                    break;
                case FileKind.SymbolicLink:
                    var link = entry.LinkTarget!;
                    if (FileKinds.Of(target) != FileKind.SymbolicLink || new FileInfo(target).LinkTarget != link)
                    {
                        Remove(target, counts);
                        File.CreateSymbolicLink(target, link);
                        counts.Written++;
                    }

                    break;
                default:
                    // Checked trees hold no devices, FIFOs or sockets; a copy must not make one appear.
                    throw new IOException($"{entry.FullName} is {FileKinds.Describe(FileKinds.Of(entry.FullName))}: not copied");
            }
        }

        foreach (var entry in new DirectoryInfo(destination).EnumerateFileSystemInfos("*", Entries))
        {
            if (!wanted.Contains(entry.Name))
            {
                Remove(entry.FullName, counts);
            }
        }
    }

    private static bool SameFile(string source, string target)
    {
        if (FileKinds.Of(target) != FileKind.Regular)
        {
            return false;
        }

        var (from, to) = (new FileInfo(source), new FileInfo(target));
        if (from.Length != to.Length || File.GetUnixFileMode(source) != File.GetUnixFileMode(target))
        {
            return false;
        }

        using var a = new FileStream(source, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        using var b = new FileStream(target, FileMode.Open, FileAccess.Read, FileShare.Read, 1, FileOptions.SequentialScan);
        Span<byte> left = stackalloc byte[16384];
        Span<byte> right = stackalloc byte[16384];
        while (true)
        {
            var read = a.ReadAtLeast(left, left.Length, throwOnEndOfStream: false);
            if (b.ReadAtLeast(right[..read], read, throwOnEndOfStream: false) != read || !left[..read].SequenceEqual(right[..read]))
            {
                return false;
            }

            if (read < left.Length)
            {
                return b.ReadByte() < 0;
            }
        }
    }

    /// <summary>Written beside the target and renamed over it: a reader sees the old file or the new, never half of one.</summary>
    private static void Copy(string source, string target)
    {
        var staging = Path.Combine(Path.GetDirectoryName(target)!, $".farm-mirror-{Guid.NewGuid():N}");
        try
        {
            File.Copy(source, staging);
            File.SetUnixFileMode(staging, File.GetUnixFileMode(source));
            File.Move(staging, target, overwrite: true);
        }
        finally
        {
            File.Delete(staging);
        }
    }

    private static void Remove(string path, MirrorCounts counts, bool keepRegular = false)
    {
        switch (FileKinds.Of(path))
        {
            case FileKind.Absent:
                return;
            case FileKind.Regular when keepRegular:
                return; // replaced by the rename
            case FileKind.Directory:
                // Deletes links inside as links: .NET does not follow them when removing a tree.
                Directory.Delete(path, recursive: true);
                break;
            default:
                File.Delete(path);
                break;
        }

        counts.Removed++;
    }
}

/// <summary>What <see cref="TreeMirror.Sync"/> did: files written, files already right, entries removed.</summary>
internal sealed class MirrorCounts
{
    public int Written { get; set; }

    public int Kept { get; set; }

    public int Removed { get; set; }
}
