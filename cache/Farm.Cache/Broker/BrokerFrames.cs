using System.Buffers.Binary;
using System.Text;

namespace Farm.Cache.Broker;

/// <summary>
/// The broker's wire format over a Unix stream socket, one request then one answer at a time:
/// request = op (1 byte), scope, key, payload; answer = status (1 byte), payload. Each field is a 4-byte
/// little-endian length and its bytes. Lengths are bounded on read, so a hostile peer cannot make the other side
/// allocate without limit.
/// </summary>
public static class BrokerFrames
{
    /// <summary>Larger than any object the cache keeps (objects over it are simply not cached).</summary>
    public const int MaxPayloadBytes = 256 << 20;

    private const int MaxNameBytes = 1024;

    public static void WriteRequest(Stream stream, BrokerOperation operation, string scope, string key, ReadOnlySpan<byte> payload)
    {
        var scopeBytes = Encoding.UTF8.GetBytes(scope);
        var keyBytes = Encoding.UTF8.GetBytes(key);
        var buffer = new byte[1 + 12 + scopeBytes.Length + keyBytes.Length + payload.Length];
        var span = buffer.AsSpan();
        span[0] = (byte)operation;
        var at = 1;
        at = Put(span, at, scopeBytes);
        at = Put(span, at, keyBytes);
        Put(span, at, payload);
        stream.Write(buffer);
        stream.Flush();
    }

    public static (BrokerOperation Operation, string Scope, string Key, byte[] Payload)? ReadRequest(Stream stream)
    {
        var op = new byte[1];
        if (!ReadExactly(stream, op))
        {
            return null;
        }

        var scope = Encoding.UTF8.GetString(ReadField(stream, MaxNameBytes));
        var key = Encoding.UTF8.GetString(ReadField(stream, MaxNameBytes));
        var payload = ReadField(stream, MaxPayloadBytes);
        return ((BrokerOperation)op[0], scope, key, payload);
    }

    public static void WriteAnswer(Stream stream, BrokerStatus status, ReadOnlySpan<byte> payload)
    {
        var buffer = new byte[1 + 4 + payload.Length];
        buffer[0] = (byte)status;
        Put(buffer, 1, payload);
        stream.Write(buffer);
        stream.Flush();
    }

    public static (BrokerStatus Status, byte[] Payload) ReadAnswer(Stream stream)
    {
        var status = new byte[1];
        if (!ReadExactly(stream, status))
        {
            throw new IOException("the cache broker closed the connection");
        }

        return ((BrokerStatus)status[0], ReadField(stream, MaxPayloadBytes));
    }

    private static int Put(Span<byte> span, int at, ReadOnlySpan<byte> field)
    {
        BinaryPrimitives.WriteInt32LittleEndian(span[at..], field.Length);
        field.CopyTo(span[(at + 4)..]);
        return at + 4 + field.Length;
    }

    private static byte[] ReadField(Stream stream, int max)
    {
        var length = new byte[4];
        if (!ReadExactly(stream, length))
        {
            throw new IOException("truncated broker frame");
        }

        var size = BinaryPrimitives.ReadInt32LittleEndian(length);
        if (size < 0 || size > max)
        {
            throw new InvalidDataException($"broker field of {size} bytes (at most {max})");
        }

        var bytes = new byte[size];
        if (!ReadExactly(stream, bytes))
        {
            throw new IOException("truncated broker frame");
        }

        return bytes;
    }

    private static bool ReadExactly(Stream stream, byte[] buffer)
    {
        var read = 0;
        while (read < buffer.Length)
        {
            var n = stream.Read(buffer, read, buffer.Length - read);
            if (n == 0)
            {
                return read == 0 && buffer.Length > 0 ? false : throw new IOException("truncated broker frame");
            }

            read += n;
        }

        return true;
    }
}
