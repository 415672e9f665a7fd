namespace Farm.Core.Oci;

/// <summary>
/// An OCI platform as kraft uses it: <c>os</c> is the Unikraft platform (<c>qemu</c>, <c>fc</c>, ...),
/// <c>architecture</c> is <c>x86_64</c>/<c>arm64</c>, <c>os.version</c> the Unikraft version and
/// <c>os.features</c> the target's <c>.config</c> lines, sorted.
/// </summary>
public sealed record Platform(string Os, string Architecture, string? OsVersion = null, IReadOnlyList<string>? OsFeatures = null)
{
    public IReadOnlyList<string> Features => OsFeatures ?? [];

    public override string ToString() => $"{Os}/{Architecture}";
}
