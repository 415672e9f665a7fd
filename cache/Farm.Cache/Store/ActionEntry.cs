using System.Buffers.Binary;
using System.Text;

namespace Farm.Cache.Store;

/// <summary>
/// What a compile produced, apart from the object itself (stored by content): the object's digest and size, the
/// dependency file and the compiler's messages, both with the build's roots replaced by markers so that they can
/// be written back for any build directory.
/// </summary>
public sealed record ActionEntry(string ObjectDigest, long ObjectSize, string? DependencyFile, string Stderr)
{
    private static readonly byte[] Magic = "FCA1"u8.ToArray();

    public byte[] ToBytes()
    {
        var digest = Convert.FromHexString(ObjectDigest);
        var dependencies = Encoding.UTF8.GetBytes(DependencyFile ?? string.Empty);
        var stderr = Encoding.UTF8.GetBytes(Stderr);
        var bytes = new byte[4 + 32 + 8 + 1 + 4 + dependencies.Length + 4 + stderr.Length];
        var span = bytes.AsSpan();
        Magic.CopyTo(span);
        digest.CopyTo(span[4..]);
        BinaryPrimitives.WriteInt64LittleEndian(span[36..], ObjectSize);
        span[44] = DependencyFile is null ? (byte)0 : (byte)1;
        BinaryPrimitives.WriteInt32LittleEndian(span[45..], dependencies.Length);
        dependencies.CopyTo(span[49..]);
        BinaryPrimitives.WriteInt32LittleEndian(span[(49 + dependencies.Length)..], stderr.Length);
        stderr.CopyTo(span[(53 + dependencies.Length)..]);
        return bytes;
    }

    /// <summary>The entry, or null when the bytes are not a whole entry (truncated, another format).</summary>
    public static ActionEntry? TryParse(ReadOnlySpan<byte> bytes)
    {
        if (bytes.Length < 53 || !bytes[..4].SequenceEqual(Magic))
        {
            return null;
        }

        var size = BinaryPrimitives.ReadInt64LittleEndian(bytes[36..]);
        var hasDependencies = bytes[44] == 1;
        var dependencyLength = BinaryPrimitives.ReadInt32LittleEndian(bytes[45..]);
        if (size < 0 || dependencyLength < 0 || 49L + dependencyLength + 4 > bytes.Length)
        {
            return null;
        }

        var stderrLength = BinaryPrimitives.ReadInt32LittleEndian(bytes[(49 + dependencyLength)..]);
        if (stderrLength < 0 || 53L + dependencyLength + stderrLength != bytes.Length)
        {
            return null;
        }

        return new ActionEntry(
            Convert.ToHexStringLower(bytes[4..36]),
            size,
            hasDependencies ? Encoding.UTF8.GetString(bytes.Slice(49, dependencyLength)) : null,
            Encoding.UTF8.GetString(bytes.Slice(53 + dependencyLength, stderrLength)));
    }
}
