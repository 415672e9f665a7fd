namespace Farm.Core.Oci;

/// <summary>A repository whose blobs are files here (an OCI layout): copies read them in place and write them straight in.</summary>
public interface ILocalBlobStore
{
    /// <summary>The blob's file, or null when this repository lacks it.</summary>
    BlobSource? LocalBlob(Digest digest);

    /// <summary>Writes a blob through <paramref name="write"/>, checked against its digest and size before it is kept; false when already there.</summary>
    Task<bool> WriteBlobAsync(Digest digest, long size, Func<Stream, CancellationToken, Task> write, CancellationToken cancellationToken);
}
