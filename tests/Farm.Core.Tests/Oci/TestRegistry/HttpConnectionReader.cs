using System.Text;

namespace Farm.Core.Tests.Oci.TestRegistry;

/// <summary>
/// The reading side of one HTTP/1.1 connection the <see cref="FaultProxy"/> accepted: request lines, headers and
/// bodies all come out of this one buffer, so bytes read ahead of a head are not lost to the body.
/// </summary>
internal sealed class HttpConnectionReader(Stream stream)
{
    private readonly byte[] _buffer = new byte[64 * 1024];
    private int _start;
    private int _end;

    /// <summary>One line without its line end (CRLF or LF), or null when the connection ends before the line starts.</summary>
    public async ValueTask<string?> ReadLineAsync(CancellationToken ct)
    {
        var scanned = 0;
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start + scanned, _end - _start - scanned);
            if (newline >= 0)
            {
                var length = newline - _start;
                if (length > 0 && _buffer[newline - 1] == (byte)'\r')
                {
                    length--;
                }

                var line = Encoding.Latin1.GetString(_buffer, _start, length);
                _start = newline + 1;
                return line;
            }

            scanned = _end - _start;
            if (_start > 0)
            {
                Buffer.BlockCopy(_buffer, _start, _buffer, 0, scanned);
                _end = scanned;
                _start = 0;
            }

            if (_end == _buffer.Length)
            {
                throw new InvalidDataException($"an HTTP request line or header longer than {_buffer.Length} bytes");
            }

            var read = await stream.ReadAsync(_buffer.AsMemory(_end), ct);
            if (read == 0)
            {
                return _end == 0 ? null : throw new EndOfStreamException("the client closed the connection in the middle of a line");
            }

            _end += read;
        }
    }

    /// <summary>Up to <paramref name="destination"/>'s length of raw bytes: buffered ones first, then the socket's.</summary>
    public async ValueTask<int> ReadAsync(Memory<byte> destination, CancellationToken ct)
    {
        if (_end == _start)
        {
            return await stream.ReadAsync(destination, ct);
        }

        var count = Math.Min(destination.Length, _end - _start);
        _buffer.AsMemory(_start, count).CopyTo(destination);
        _start += count;
        return count;
    }
}
