using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Farm.Cache.IO;

/// <summary>
/// What .NET does not tell about a file: its owner, inode and status-change time, from <c>statx</c> (whose buffer has
/// the same layout on every architecture, unlike <c>struct stat</c>), and the kind of file system it is on.
/// </summary>
internal static partial class FileStatus
{
    private const int CurrentDirectory = -100; // AT_FDCWD
    private const int NoFollow = 0x100; // AT_SYMLINK_NOFOLLOW
    private const uint Basic = 0x7ff; // STATX_BASIC_STATS

    /// <summary>The owner, mode bits, inode and device of <paramref name="path"/>, a last link not followed; null when it cannot be looked at.</summary>
    public static (uint Owner, uint Mode, ulong Inode, ulong Device)? Of(string path)
    {
        Span<byte> buffer = stackalloc byte[256];
        return Statx(CurrentDirectory, path, NoFollow, Basic, buffer) == 0
            ? (BinaryPrimitives.ReadUInt32LittleEndian(buffer[20..]), BinaryPrimitives.ReadUInt16LittleEndian(buffer[28..]), Inode(buffer), Device(buffer))
            : null;
    }

    /// <summary>
    /// The identity of what <paramref name="path"/> reaches now (links followed) and when its status last changed
    /// (<c>ctime</c>: set by every change of a directory's entries, and by nothing a user can set back, unlike
    /// <c>mtime</c>); null when it cannot be looked at.
    /// </summary>
    public static (ulong Inode, ulong Device, long ChangedSeconds, uint ChangedNanoseconds)? Changed(string path)
    {
        Span<byte> buffer = stackalloc byte[256];
        return Statx(CurrentDirectory, path, 0, Basic, buffer) == 0
            ? (Inode(buffer), Device(buffer), BinaryPrimitives.ReadInt64LittleEndian(buffer[96..]), BinaryPrimitives.ReadUInt32LittleEndian(buffer[104..]))
            : null;
    }

    /// <summary>The magic number of the file system <paramref name="path"/> is on (<c>statfs</c>'s <c>f_type</c>), null when it cannot be looked at.</summary>
    public static long? FileSystemType(string path)
    {
        // struct statfs on 64-bit Linux: f_type is the first field, a long, on every architecture.
        Span<byte> buffer = stackalloc byte[256];
        return StatFs(path, buffer) == 0 ? BinaryPrimitives.ReadInt64LittleEndian(buffer) : null;
    }

    private static ulong Inode(ReadOnlySpan<byte> statx) => BinaryPrimitives.ReadUInt64LittleEndian(statx[32..]);

    private static ulong Device(ReadOnlySpan<byte> statx) =>
        ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(statx[136..]) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(statx[140..]);

    [LibraryImport("libc", EntryPoint = "statfs", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int StatFs(string path, Span<byte> buffer);

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directory, string path, int flags, uint mask, Span<byte> buffer);
}
