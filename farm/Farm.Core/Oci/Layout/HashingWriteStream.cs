using System.Security.Cryptography;

namespace Farm.Core.Oci.Layout;

/// <summary>
/// Writes through to a file while hashing, so a blob is verified in the same pass that stores it. It can be emptied
/// (<see cref="SetLength"/> to 0) for a download that starts again after a dropped connection.
/// </summary>
internal sealed class HashingWriteStream : Stream, IDigestCheckingDestination
{
    private readonly Stream _inner;
    private IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
    private long _written;

    public HashingWriteStream(Stream inner, Digest expected)
    {
        _inner = inner;
        Expected = expected;
    }

    public Digest Expected { get; }

    public override bool CanRead => false;

    // Only so that a restarted download can empty it: SetLength(0) is all it supports.
    public override bool CanSeek => _inner.CanSeek;

    public override bool CanWrite => true;

    public override long Length => _written;

    public override long Position
    {
        get => _written;
        set => throw new NotSupportedException();
    }

    public Digest Digest() => Oci.Digest.FromHash(_hash.GetCurrentHash());

    public override void Write(byte[] buffer, int offset, int count) => Write(buffer.AsSpan(offset, count));

    public override void Write(ReadOnlySpan<byte> buffer)
    {
        _hash.AppendData(buffer);
        _written += buffer.Length;
        _inner.Write(buffer);
    }

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        _hash.AppendData(buffer.Span);
        _written += buffer.Length;
        await _inner.WriteAsync(buffer, cancellationToken).ConfigureAwait(false);
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override void Flush() => _inner.Flush();

    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value)
    {
        if (value != 0)
        {
            throw new NotSupportedException("a hashed stream can only be emptied");
        }

        _inner.SetLength(0);
        _hash.Dispose();
        _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        _written = 0;
    }

    protected override void Dispose(bool disposing)
    {
        if (disposing)
        {
            _hash.Dispose();
        }

        base.Dispose(disposing);
    }
}
