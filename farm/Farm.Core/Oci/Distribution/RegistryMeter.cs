using System.Diagnostics.Metrics;

namespace Farm.Core.Oci.Distribution;

/// <summary>
/// What the registry client counts, as .NET instruments (no exporter here): the process that runs the client (the farm
/// for indexes and signatures, a worker for kernels and cache bundles) exports the meter <see cref="Name"/> on its own
/// <c>/metrics</c>. Bytes count what was uploaded, not what the registry already had.
/// </summary>
public static class RegistryMeter
{
    public const string Name = "Farm.Registry";

    private static readonly Meter Meter = new(Name);

    private static readonly Counter<long> PushedBytes = Meter.CreateCounter<long>(
        "farm_registry_push_bytes", "By", "Bytes uploaded to registries (blobs and manifests), by kind");

    private static readonly Counter<long> Failures = Meter.CreateCounter<long>(
        "farm_registry_errors", description: "Registry operations that failed after their retries (push or pull), by kind of failure");

    internal static void Pushed(long bytes, string kind) => PushedBytes.Add(bytes, new KeyValuePair<string, object?>("kind", kind));

    /// <summary>Counts a failed operation; false, so that it can sit in an exception filter and catch nothing.</summary>
    internal static bool Failed(string kind)
    {
        Failures.Add(1, new KeyValuePair<string, object?>("kind", kind));
        return false;
    }
}
