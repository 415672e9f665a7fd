using System.Buffers.Binary;
using System.Text;

namespace Farm.Cache.Resident;

/// <summary>
/// One compile as <c>farm-cc-fast</c> sends it to the resident helper: <c>FCC1</c>, then length-prefixed UTF-8 strings
/// (little-endian 32-bit lengths): the working directory, the argument count and the arguments (the compiler first),
/// the variable count and the variables (<c>NAME=VALUE</c>: farm-cc's own and <c>PATH</c>). Anything else is refused.
/// </summary>
public sealed record HelperRequest(string WorkingDirectory, IReadOnlyList<string> Arguments, IReadOnlyDictionary<string, string> Environment)
{
    /// <summary>What one request may hold (the front does not send more): a bound on what a caller makes the helper read.</summary>
    public const int MaxBytes = 8 << 20;

    private const int MaxStrings = 1 << 16;

    private static ReadOnlySpan<byte> Magic => "FCC1"u8;

    /// <summary>The request, or null when it is not one (wrong magic, a bound exceeded, cut short, a relative directory).</summary>
    public static HelperRequest? Read(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var budget = MaxBytes;
        var magic = new byte[4];
        if (!ReadExactly(stream, magic, ref budget) || !magic.AsSpan().SequenceEqual(Magic))
        {
            return null;
        }

        var directory = ReadString(stream, ref budget);
        var arguments = ReadStrings(stream, ref budget);
        var variables = ReadStrings(stream, ref budget);
        if (directory is null || !Path.IsPathRooted(directory) || arguments is not { Count: > 0 } || variables is null)
        {
            return null;
        }

        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var variable in variables)
        {
            var equals = variable.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0)
            {
                environment[variable[..equals]] = variable[(equals + 1)..];
            }
        }

        return new HelperRequest(directory, arguments, environment);
    }

    /// <summary>The request as the front writes it (for tests that speak for it).</summary>
    public byte[] ToBytes()
    {
        using var buffer = new MemoryStream();
        buffer.Write(Magic);
        WriteString(buffer, WorkingDirectory);
        WriteCount(buffer, Arguments.Count);
        foreach (var argument in Arguments)
        {
            WriteString(buffer, argument);
        }

        WriteCount(buffer, Environment.Count);
        foreach (var (name, value) in Environment)
        {
            WriteString(buffer, $"{name}={value}");
        }

        return buffer.ToArray();
    }

    private static List<string>? ReadStrings(Stream stream, ref int budget)
    {
        if (ReadCount(stream, ref budget) is not { } count || count > MaxStrings)
        {
            return null;
        }

        var strings = new List<string>(count);
        for (var i = 0; i < count; i++)
        {
            if (ReadString(stream, ref budget) is not { } text)
            {
                return null;
            }

            strings.Add(text);
        }

        return strings;
    }

    private static string? ReadString(Stream stream, ref int budget)
    {
        if (ReadCount(stream, ref budget) is not { } length || length > budget)
        {
            return null;
        }

        var bytes = new byte[length];
        return ReadExactly(stream, bytes, ref budget) ? Encoding.UTF8.GetString(bytes) : null;
    }

    private static int? ReadCount(Stream stream, ref int budget)
    {
        var bytes = new byte[4];
        if (!ReadExactly(stream, bytes, ref budget))
        {
            return null;
        }

        var value = BinaryPrimitives.ReadUInt32LittleEndian(bytes);
        return value > MaxBytes ? null : (int)value;
    }

    private static bool ReadExactly(Stream stream, byte[] into, ref int budget)
    {
        if (into.Length > budget)
        {
            return false;
        }

        budget -= into.Length;
        try
        {
            stream.ReadExactly(into);
            return true;
        }
        catch (EndOfStreamException)
        {
            return false;
        }
    }

    private static void WriteString(Stream stream, string text)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        WriteCount(stream, bytes.Length);
        stream.Write(bytes);
    }

    private static void WriteCount(Stream stream, int count)
    {
        Span<byte> bytes = stackalloc byte[4];
        BinaryPrimitives.WriteUInt32LittleEndian(bytes, (uint)count);
        stream.Write(bytes);
    }
}
