namespace Farm.Core.Oci;

/// <summary>An OCI content descriptor. Annotations keep their insertion order in memory and are written sorted.</summary>
public sealed record Descriptor(string MediaType, Digest Digest, long Size)
{
    public IReadOnlyDictionary<string, string>? Annotations { get; init; }

    public Platform? Platform { get; init; }

    public string? Annotation(string key) => Annotations is not null && Annotations.TryGetValue(key, out var value) ? value : null;
}
