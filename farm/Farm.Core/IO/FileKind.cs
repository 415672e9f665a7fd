using System.Runtime.InteropServices;

namespace Farm.Core.IO;

/// <summary>What a path names itself, as <c>lstat</c> sees it: a symbolic link is reported, never followed.</summary>
public enum FileKind
{
    Absent,
    Regular,
    Directory,
    SymbolicLink,
    CharacterDevice,
    BlockDevice,
    Fifo,
    Socket,
}

/// <summary>
/// <see cref="FileKind"/> of a path. .NET's file APIs cannot tell a device, a fifo or a socket from a regular file
/// (<see cref="File.Exists"/> is true for <c>/dev/null</c> and follows links), so this asks <c>statx</c>, whose
/// buffer has one layout on every architecture (<c>struct stat</c> differs between x86_64 and arm64).
/// </summary>
public static partial class FileKinds
{
    private const int AtCurrentDirectory = -100;
    private const int AtSymlinkNoFollow = 0x100;
    private const uint StatxType = 0x1;
    private const int StatxModeOffset = 28;
    private const int NoEntry = 2;
    private const int NotDirectory = 20;

    public static FileKind Of(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (OperatingSystem.IsWindows())
        {
            return Managed(path);
        }

        Span<byte> buffer = stackalloc byte[256];
        int result;
        try
        {
            result = Statx(AtCurrentDirectory, Path.GetFullPath(path), AtSymlinkNoFollow, StatxType, buffer);
        }
        catch (EntryPointNotFoundException)
        {
            // A libc without statx (glibc before 2.28): links and directories are still told apart.
            return Managed(path);
        }

        if (result != 0)
        {
            var error = Marshal.GetLastPInvokeError();
            return error is NoEntry or NotDirectory
                ? FileKind.Absent
                : throw new IOException($"{path}: cannot inspect: {Marshal.GetPInvokeErrorMessage(error)}");
        }

        var mode = BitConverter.ToUInt16(buffer[StatxModeOffset..]) & 0xF000;
        return mode switch
        {
            0x8000 => FileKind.Regular,
            0x4000 => FileKind.Directory,
            0xA000 => FileKind.SymbolicLink,
            0x2000 => FileKind.CharacterDevice,
            0x6000 => FileKind.BlockDevice,
            0x1000 => FileKind.Fifo,
            0xC000 => FileKind.Socket,
            _ => throw new IOException($"{path}: unknown file type {mode:x}"),
        };
    }

    public static string Describe(FileKind kind) => kind switch
    {
        FileKind.Absent => "absent",
        FileKind.Regular => "a regular file",
        FileKind.Directory => "a directory",
        FileKind.SymbolicLink => "a symbolic link",
        FileKind.CharacterDevice => "a character device",
        FileKind.BlockDevice => "a block device",
        FileKind.Fifo => "a fifo",
        _ => "a socket",
    };

    private static FileKind Managed(string path)
    {
        var info = new FileInfo(path);
        return info.LinkTarget is not null ? FileKind.SymbolicLink
            : Directory.Exists(path) ? FileKind.Directory
            : info.Exists ? FileKind.Regular
            : FileKind.Absent;
    }

    [LibraryImport("libc", EntryPoint = "statx", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Statx(int directory, string path, int flags, uint mask, Span<byte> buffer);
}
