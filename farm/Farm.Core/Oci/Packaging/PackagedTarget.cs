namespace Farm.Core.Oci.Packaging;

/// <summary>
/// One target packaged: the blobs to push (layers, config), the manifest's bytes, and the descriptor that
/// becomes its index entry (platform and annotations included).
/// </summary>
public sealed record PackagedTarget(IReadOnlyList<BlobSource> Blobs, byte[] Manifest, Descriptor IndexEntry);
