namespace Farm.Core.Oci;

/// <summary>
/// Content to push, with its digest and size known up front (the farm packages before it pushes). It can be
/// opened more than once, so an upload interrupted by a dropped connection can start again.
/// </summary>
public sealed record BlobSource(Digest Digest, long Size, Func<Stream> Open)
{
    public static BlobSource FromBytes(byte[] content) => new(Oci.Digest.Of(content), content.Length, () => new MemoryStream(content, writable: false));

    public static BlobSource FromFile(string path, Digest digest) => new(digest, new FileInfo(path).Length, () => File.OpenRead(path));

    public static async Task<BlobSource> FromFileAsync(string path, CancellationToken cancellationToken)
    {
        await using var stream = File.OpenRead(path);
        var hash = await System.Security.Cryptography.SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false);
        return FromFile(path, Oci.Digest.FromHash(hash));
    }
}
