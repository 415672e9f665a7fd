namespace Farm.Core.Oci;

/// <summary>
/// An OCI platform as kraft uses it: <c>os</c> is the Unikraft platform (<c>qemu</c>, <c>fc</c>, ...),
/// <c>architecture</c> is <c>x86_64</c>/<c>arm64</c>, <c>os.version</c> the Unikraft version and
/// <c>os.features</c> the target's <c>.config</c> lines, sorted. Equal when all four are, features compared in order.
/// </summary>
public sealed record Platform(string Os, string Architecture, string? OsVersion = null, IReadOnlyList<string>? OsFeatures = null)
{
    public IReadOnlyList<string> Features => OsFeatures ?? [];

    public bool Equals(Platform? other) =>
        other is not null && Os == other.Os && Architecture == other.Architecture && OsVersion == other.OsVersion && Features.SequenceEqual(other.Features);

    public override int GetHashCode() => HashCode.Combine(Os, Architecture, OsVersion, Features.Count);

    public override string ToString() => $"{Os}/{Architecture}";
}
