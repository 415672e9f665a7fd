using System.Globalization;

namespace Farm.Core.Tests.Oci.TestRegistry;

/// <summary>
/// A request body read off the client connection as it is consumed (Content-Length or chunked framing), so the
/// proxy forwards uploads streaming. Disposing it does not touch the connection.
/// </summary>
internal sealed class RequestBodyStream : Stream
{
    private readonly HttpConnectionReader _reader;
    private readonly bool _chunked;
    private long _remaining; // Content-Length: bytes left in the body; chunked: bytes left in the current chunk.
    private bool _done;

    private RequestBodyStream(HttpConnectionReader reader, bool chunked, long length)
    {
        _reader = reader;
        _chunked = chunked;
        _remaining = length;
        _done = !chunked && length == 0;
        DeclaredLength = chunked ? null : length;
    }

    /// <summary>Content-Length, or null for a chunked body.</summary>
    public long? DeclaredLength { get; }

    /// <summary>Whether the request has a body at all (even an empty one with Content-Length: 0).</summary>
    public bool Present { get; private init; }

    public bool IsComplete => _done;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public static RequestBodyStream For(RequestHead head, HttpConnectionReader reader)
    {
        if (head.Header("Transfer-Encoding") is { } encoding && encoding.Contains("chunked", StringComparison.OrdinalIgnoreCase))
        {
            return new RequestBodyStream(reader, chunked: true, 0) { Present = true };
        }

        if (head.Header("Content-Length") is { } length)
        {
            return new RequestBodyStream(reader, chunked: false, long.Parse(length, NumberStyles.None, CultureInfo.InvariantCulture)) { Present = true };
        }

        return new RequestBodyStream(reader, chunked: false, 0);
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (_done || buffer.IsEmpty)
        {
            return 0;
        }

        if (_chunked && _remaining == 0)
        {
            var sizeLine = await _reader.ReadLineAsync(cancellationToken) ?? throw new EndOfStreamException("the client closed the connection before a chunk size");
            var size = long.Parse(sizeLine.Split(';', 2)[0].Trim(), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
            if (size == 0)
            {
                while (await _reader.ReadLineAsync(cancellationToken) is { Length: > 0 })
                {
                    // Trailer fields: dropped.
                }

                _done = true;
                return 0;
            }

            _remaining = size;
        }

        var read = await _reader.ReadAsync(buffer[..(int)Math.Min(buffer.Length, _remaining)], cancellationToken);
        if (read == 0)
        {
            throw new EndOfStreamException("the client closed the connection inside a request body");
        }

        _remaining -= read;
        if (_remaining == 0)
        {
            if (_chunked)
            {
                _ = await _reader.ReadLineAsync(cancellationToken); // The CRLF after the chunk's data.
            }
            else
            {
                _done = true;
            }
        }

        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count)).AsTask().GetAwaiter().GetResult();

    /// <summary>Reads and discards up to <paramref name="count"/> bytes (fewer if the body ends first).</summary>
    public async Task SkipAsync(long count, CancellationToken ct)
    {
        var buffer = new byte[16 * 1024];
        while (count > 0)
        {
            var read = await ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, count)), ct);
            if (read == 0)
            {
                return;
            }

            count -= read;
        }
    }

    /// <summary>Reads the rest of the body, so the next request on the connection starts at its request line.</summary>
    public Task DrainAsync(CancellationToken ct) => SkipAsync(long.MaxValue, ct);

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
