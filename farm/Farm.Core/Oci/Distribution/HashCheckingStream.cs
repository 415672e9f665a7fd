using System.Security.Cryptography;

namespace Farm.Core.Oci.Distribution;

/// <summary>
/// Reads through to the content being uploaded, hashing it; at its end, throws if the content is not what its
/// digest and size promised, so the request fails before the registry could finish the upload.
/// </summary>
internal sealed class HashCheckingStream : Stream
{
    private readonly Stream _inner;
    private readonly Digest _expected;
    private readonly long _size;
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _read;

    public HashCheckingStream(Stream inner, Digest expected, long size)
    {
        _inner = inner;
        _expected = expected;
        _size = size;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _size;

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) => Check(_inner.Read(buffer, offset, count), buffer.AsSpan(offset));

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) =>
        Check(await _inner.ReadAsync(buffer, cancellationToken).ConfigureAwait(false), buffer.Span);

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _inner.Dispose();
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }

    private int Check(int read, ReadOnlySpan<byte> data)
    {
        _hash.AppendData(data[..read]);
        _read += read;
        if (read == 0 || _read > _size)
        {
            var actual = Digest.FromHash(_hash.GetHashAndReset());
            if (actual != _expected || _read != _size)
            {
                throw new OciFormatException($"the content pushed as {_expected} ({_size} bytes) is {actual} ({_read} bytes); the upload was stopped");
            }
        }

        return read;
    }
}
