using System.Formats.Tar;

namespace Farm.Core.Oci.Packaging;

/// <summary>
/// A tar holding one file, as kraft's layers do: ustar, uid/gid 0, empty owner names, mtime 0, the file's
/// permission bits kept. The same file gives the same bytes, so the same layer digest.
/// </summary>
public static class SingleFileTar
{
    public static byte[] Create(string entryName, byte[] content, UnixFileMode mode)
    {
        using var buffer = new MemoryStream();
        using (var writer = new TarWriter(buffer, TarEntryFormat.Ustar, leaveOpen: true))
        {
            var entry = new UstarTarEntry(TarEntryType.RegularFile, entryName)
            {
                Mode = mode & (UnixFileMode)0x1FF,
                Uid = 0,
                Gid = 0,
                UserName = string.Empty,
                GroupName = string.Empty,
                ModificationTime = DateTimeOffset.UnixEpoch,
                DataStream = new MemoryStream(content, writable: false),
            };
            writer.WriteEntry(entry);
        }

        return buffer.ToArray();
    }
}
