namespace Farm.Core.Oci;

/// <summary>An OCI image index: one entry per platform manifest.</summary>
public sealed record ImageIndex(IReadOnlyList<Descriptor> Manifests)
{
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    public byte[] ToJson() => OciJson.Write(this);

    public static ImageIndex Parse(ReadOnlySpan<byte> json) => OciJson.ReadIndex(json);
}
