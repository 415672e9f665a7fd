namespace Farm.Core.Oci;

/// <summary>
/// One repository: in a registry (<c>Distribution.RegistryRepository</c>) or an OCI layout directory
/// (<c>Layout.OciLayoutRepository</c>). Every read is verified against its digest; a push of content that
/// is already there transfers nothing.
/// </summary>
public interface IOciRepository
{
    /// <summary>The repository in words, for messages (<c>127.0.0.1:5000/app</c>, <c>oci:/out/app</c>).</summary>
    string Name { get; }

    Task<bool> BlobExistsAsync(Digest digest, CancellationToken cancellationToken);

    /// <summary>Pushes the blob unless the repository has it; returns true when bytes were uploaded.</summary>
    Task<bool> PushBlobAsync(BlobSource blob, CancellationToken cancellationToken);

    /// <summary>Reads a blob whole, verified against its digest.</summary>
    Task<byte[]> GetBlobAsync(Digest digest, CancellationToken cancellationToken);

    /// <summary>Copies a blob into <paramref name="destination"/>, verified as it streams (for large blobs).</summary>
    Task CopyBlobToAsync(Digest digest, Stream destination, CancellationToken cancellationToken);

    /// <summary>The manifest or index at a tag or digest, or null when there is none.</summary>
    Task<FetchedManifest?> TryGetManifestAsync(string tagOrDigest, CancellationToken cancellationToken);

    /// <summary>Stores a manifest by its digest and, when <paramref name="tag"/> is given, under that tag too.</summary>
    Task<Digest> PutManifestAsync(byte[] bytes, string mediaType, string? tag, CancellationToken cancellationToken);

    Task<IReadOnlyList<string>> ListTagsAsync(CancellationToken cancellationToken);

    Task DeleteManifestAsync(Digest digest, CancellationToken cancellationToken);
}
