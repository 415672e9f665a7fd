using System.Text;

namespace Farm.Core.Oci.Packaging;

/// <summary>
/// A tar holding one file, byte for byte as kraft writes its layers (KraftKit's <c>archive.TarFileWriter</c> through
/// Go's <c>archive/tar</c>): one USTAR header with uid/gid 0, empty owner names, mtime 0 and the file's permission
/// bits; every numeric field, the device numbers included, as zero-padded octal ending in NUL (<c>0000000\0</c>); the
/// checksum as six octal digits, NUL, space; the data padded to 512 bytes; then the two zero blocks, and no padding
/// to a 10 KiB record. The same kernel thus gets the same layer digest from <c>farm pkg</c> as from <c>kraft pkg</c>.
/// </summary>
public static class SingleFileTar
{
    private const int Block = 512;

    public static byte[] Create(string entryName, byte[] content, UnixFileMode mode)
    {
        ArgumentNullException.ThrowIfNull(entryName);
        ArgumentNullException.ThrowIfNull(content);
        var name = Encoding.UTF8.GetBytes(entryName);
        if (name.Length is 0 or > 100 || entryName.Contains('\0', StringComparison.Ordinal))
        {
            throw new ArgumentException($"tar entry name '{entryName}' must be 1 to 100 bytes", nameof(entryName));
        }

        var padded = (content.Length + Block - 1) / Block * Block;
        var tar = new byte[Block + padded + (2 * Block)];
        var header = tar.AsSpan(0, Block);
        name.CopyTo(header);
        Octal(header.Slice(100, 8), (long)(mode & (UnixFileMode)0xFFF));
        Octal(header.Slice(108, 8), 0); // uid
        Octal(header.Slice(116, 8), 0); // gid
        Octal(header.Slice(124, 12), content.Length);
        Octal(header.Slice(136, 12), 0); // mtime: Go writes a zero time as the epoch
        header[156] = (byte)'0'; // regular file
        "ustar\0"u8.CopyTo(header[257..]);
        "00"u8.CopyTo(header[263..]);
        // uname and gname (265, 297) stay empty; prefix (345) is unused for short names.
        Octal(header.Slice(329, 8), 0); // devmajor
        Octal(header.Slice(337, 8), 0); // devminor

        // The checksum is computed with its own field as eight spaces, then written as "%06o\0 ".
        "        "u8.CopyTo(header[148..]);
        var sum = 0;
        foreach (var b in header)
        {
            sum += b;
        }

        Octal(header.Slice(148, 7), sum);
        header[155] = (byte)' ';
        content.CopyTo(tar, Block);
        return tar;
    }

    /// <summary>Go's <c>formatOctal</c>: the value in octal, left-padded with '0' to fill all but the last byte, which is NUL.</summary>
    private static void Octal(Span<byte> field, long value)
    {
        var digits = Convert.ToString(value, 8);
        if (digits.Length > field.Length - 1)
        {
            throw new ArgumentOutOfRangeException(nameof(value), $"{value} does not fit a {field.Length}-byte tar field");
        }

        Encoding.ASCII.GetBytes(digits.PadLeft(field.Length - 1, '0')).CopyTo(field);
        field[^1] = 0;
    }
}
