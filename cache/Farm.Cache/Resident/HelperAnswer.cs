using System.Buffers.Binary;
using System.Text;

namespace Farm.Cache.Resident;

/// <summary>
/// The helper's answer: one status byte, 0 (answered: then the exit code and the compiler's messages, each
/// length-prefixed as in <see cref="HelperRequest"/>) or 1 (farm-cc must run the compile itself).
/// </summary>
public sealed record HelperAnswer(int ExitCode, string Stderr)
{
    public const byte Answered = 0;
    public const byte FallBack = 1;

    public static byte[] FallBackBytes => [FallBack];

    public byte[] ToBytes()
    {
        var messages = Encoding.UTF8.GetBytes(Stderr);
        var bytes = new byte[9 + messages.Length];
        bytes[0] = Answered;
        BinaryPrimitives.WriteInt32LittleEndian(bytes.AsSpan(1), ExitCode);
        BinaryPrimitives.WriteUInt32LittleEndian(bytes.AsSpan(5), (uint)messages.Length);
        messages.CopyTo(bytes, 9);
        return bytes;
    }
}
