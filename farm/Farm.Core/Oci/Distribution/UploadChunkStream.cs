namespace Farm.Core.Oci.Distribution;

/// <summary>
/// One chunk of a blob being uploaded: <c>length</c> bytes from <c>start</c> of a freshly opened source, read straight
/// from it (no chunk is held in memory) and fed to the upload's <see cref="UploadHash"/>. A source shorter than its
/// declared size fails the request with an <see cref="OciFormatException"/>, as does a longer one at the last chunk.
/// </summary>
internal sealed class UploadChunkStream : Stream
{
    private readonly Stream _inner;
    private readonly BlobSource _blob;
    private readonly long _start;
    private readonly long _length;
    private readonly UploadHash _hash;
    private long _read;
    private bool _positioned;

    public UploadChunkStream(BlobSource blob, long start, long length, UploadHash hash)
    {
        _blob = blob;
        _inner = blob.Open();
        _start = start;
        _length = length;
        _hash = hash;
    }

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _read;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count) =>
        ReadAsync(buffer.AsMemory(offset, count), CancellationToken.None).AsTask().GetAwaiter().GetResult();

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (!_positioned)
        {
            await SkipToStartAsync(cancellationToken).ConfigureAwait(false);
            _positioned = true;
        }

        var wanted = (int)Math.Min(buffer.Length, _length - _read);
        if (wanted == 0)
        {
            await EnsureEndAsync(cancellationToken).ConfigureAwait(false);
            return 0;
        }

        var read = await _inner.ReadAsync(buffer[..wanted], cancellationToken).ConfigureAwait(false);
        if (read == 0)
        {
            throw Mismatch($"ends after {_start + _read} bytes");
        }

        _hash.Append(_start + _read, buffer.Span[..read]);
        _read += read;
        return read;
    }

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
        }

        base.Dispose(disposing);
    }

    private async Task SkipToStartAsync(CancellationToken cancellationToken)
    {
        if (_start == 0)
        {
            return;
        }

        if (_inner.CanSeek)
        {
            _inner.Seek(_start, SeekOrigin.Begin);
            return;
        }

        // A source that cannot seek is read up to the chunk (only a non-file source; files seek).
        var discard = new byte[81920];
        for (long skipped = 0; skipped < _start;)
        {
            var read = await _inner.ReadAsync(discard.AsMemory(0, (int)Math.Min(discard.Length, _start - skipped)), cancellationToken).ConfigureAwait(false);
            skipped += read > 0 ? read : throw Mismatch($"ends after {skipped} bytes");
        }
    }

    // At the blob's last byte the source must end too, and hash to the digest it was announced with.
    private async Task EnsureEndAsync(CancellationToken cancellationToken)
    {
        if (_start + _length != _blob.Size)
        {
            return;
        }

        var extra = new byte[1];
        if (await _inner.ReadAsync(extra, cancellationToken).ConfigureAwait(false) > 0)
        {
            throw Mismatch("is longer");
        }

        if (_hash.Length == _blob.Size && _hash.Digest() is var actual && actual != _blob.Digest)
        {
            throw Mismatch($"hashes to {actual}");
        }
    }

    private OciFormatException Mismatch(string what) =>
        new($"the content pushed as {_blob.Digest} ({_blob.Size} bytes) {what}; the upload was stopped");
}
