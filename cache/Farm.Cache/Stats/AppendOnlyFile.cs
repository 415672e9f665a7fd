using System.Runtime.InteropServices;
using Farm.Core.IO;

namespace Farm.Cache.Stats;

/// <summary>
/// Appends with <c>O_APPEND</c>, which .NET's file APIs do not use (they write at the size seen when the file was
/// opened, so two processes appending at once overwrite each other's lines). With <c>O_APPEND</c> the kernel
/// places each write at the end, and a write of a few hundred bytes lands whole.
/// </summary>
internal static partial class AppendOnlyFile
{
    private const int WriteOnly = 0x1;
    private const int Create = 0x40;
    private const int Append = 0x400;

    // A fifo without a reader fails the open (ENXIO) instead of blocking the compile; no effect on a regular file.
    private const int NonBlocking = 0x800;
    private const int CloseOnExec = 0x80000;

    /// <summary>False when the append failed, or <paramref name="path"/> is not a regular file (a log is never a device).</summary>
    public static bool TryAppend(string path, ReadOnlySpan<byte> bytes)
    {
        if (InPlaceWrite.Refusal(path) is not null)
        {
            return false;
        }

        var descriptor = Open(path, WriteOnly | Create | Append | NonBlocking | CloseOnExec, 0x1A4);
        if (descriptor < 0)
        {
            return false;
        }

        try
        {
            return Write(descriptor, bytes, bytes.Length) == bytes.Length;
        }
        finally
        {
            _ = Close(descriptor);
        }
    }

    [LibraryImport("libc", EntryPoint = "open", StringMarshalling = StringMarshalling.Utf8)]
    private static partial int Open(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "write")]
    private static partial nint Write(int descriptor, ReadOnlySpan<byte> buffer, nint count);

    [LibraryImport("libc", EntryPoint = "close")]
    private static partial int Close(int descriptor);
}
