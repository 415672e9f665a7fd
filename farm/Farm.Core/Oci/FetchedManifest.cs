namespace Farm.Core.Oci;

/// <summary>A manifest or index exactly as stored: its bytes, their digest, and the media type it was served as.</summary>
public sealed record FetchedManifest(string MediaType, byte[] Bytes, Digest Digest)
{
    public bool IsIndex => MediaTypes.IsIndex(MediaType);

    public Descriptor ToDescriptor() => new(MediaType, Digest, Bytes.Length);
}
