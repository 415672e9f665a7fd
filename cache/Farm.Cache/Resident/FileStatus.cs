using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Farm.Cache.Resident;

/// <summary>
/// What .NET does not tell about a file: its owner and inode, from <c>statx</c> (whose buffer has the same layout on
/// every architecture, unlike <c>struct stat</c>), without following a last link.
/// </summary>
internal static partial class FileStatus
{
    private const int CurrentDirectory = -100; // AT_FDCWD
    private const int NoFollow = 0x100; // AT_SYMLINK_NOFOLLOW
    private const uint Basic = 0x7ff; // STATX_BASIC_STATS

    /// <summary>The owner, mode bits, inode and device of <paramref name="path"/>; null when it cannot be looked at.</summary>
    public static (uint Owner, uint Mode, ulong Inode, ulong Device)? Of(string path)
    {
        Span<byte> buffer = stackalloc byte[256];
        if (Statx(CurrentDirectory, path, NoFollow, Basic, buffer) != 0)
        {
            return null;
        }

        var device = ((ulong)BinaryPrimitives.ReadUInt32LittleEndian(buffer[136..]) << 32) | BinaryPrimitives.ReadUInt32LittleEndian(buffer[140..]);
        return (BinaryPrimitives.ReadUInt32LittleEndian(buffer[20..]), BinaryPrimitives.ReadUInt16LittleEndian(buffer[28..]),
            BinaryPrimitives.ReadUInt64LittleEndian(buffer[32..]), device);
    }

    [LibraryImport("libc", EntryPoint = "statx", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directory, string path, int flags, uint mask, Span<byte> buffer);
}
