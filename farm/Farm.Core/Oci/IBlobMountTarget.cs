namespace Farm.Core.Oci;

/// <summary>A repository that can take a blob from another repository of the same store without its bytes moving.</summary>
public interface IBlobMountTarget
{
    /// <summary>
    /// Asks for <paramref name="digest"/> to be mounted from <paramref name="source"/>; true when this repository now has
    /// it. False (nothing changed) when the source is elsewhere, lacks the blob or the store declines.
    /// </summary>
    Task<bool> TryMountBlobAsync(Digest digest, IOciRepository source, CancellationToken cancellationToken);
}
