using System.Security.Cryptography;

namespace Farm.Core.Oci.Distribution;

/// <summary>
/// The SHA-256 of an upload sent in chunks, fed by position: bytes already hashed are skipped, so a chunk sent again
/// (its request rebuilt after an authentication challenge) does not count twice.
/// </summary>
internal sealed class UploadHash : IDisposable
{
    private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

    /// <summary>How many bytes from the start are hashed.</summary>
    public long Length { get; private set; }

    /// <summary>Adds the bytes that start at <paramref name="position"/>, from the first not yet hashed.</summary>
    public void Append(long position, ReadOnlySpan<byte> data)
    {
        var skip = Length - position;
        if (skip < 0)
        {
            throw new InvalidOperationException($"bytes from {position} arrived before those from {Length}");
        }

        if (skip < data.Length)
        {
            _hash.AppendData(data[(int)skip..]);
            Length += data.Length - skip;
        }
    }

    public Digest Digest() => Oci.Digest.FromHash(_hash.GetCurrentHash());

    public void Dispose() => _hash.Dispose();
}
