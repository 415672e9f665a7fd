namespace Farm.Core.Oci;

/// <summary>An OCI image manifest: one config, its layers, annotations, and an optional subject (for referrers).</summary>
public sealed record ImageManifest(Descriptor Config, IReadOnlyList<Descriptor> Layers)
{
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    public Descriptor? Subject { get; init; }

    public byte[] ToJson() => OciJson.Write(this);

    public static ImageManifest Parse(ReadOnlySpan<byte> json) => OciJson.ReadManifest(json);
}
