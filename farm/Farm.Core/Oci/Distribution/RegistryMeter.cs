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
        PushBytes, "By", "Bytes uploaded to registries (blobs and manifests), by kind");

    private static readonly Counter<long> Failures = Meter.CreateCounter<long>(
        Errors, description: "Registry operations that failed after their retries (push or pull), by kind of failure");

    /// <summary>The instrument names, as <see cref="Listen"/> reports them.</summary>
    public const string PushBytes = "farm_registry_push_bytes";

    public const string Errors = "farm_registry_errors";

    /// <summary>
    /// Calls <paramref name="measured"/> (instrument, kind, value) for every measurement of this process until disposed:
    /// how a host's exporter counts them (a listener of our own rather than an exporter's meter adapter, which would add
    /// series of its own and name counters by its rules).
    /// </summary>
    public static IDisposable Listen(Action<string, string, long> measured)
    {
        ArgumentNullException.ThrowIfNull(measured);
        var listener = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == Name)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var kind = "other";
            foreach (var tag in tags)
            {
                if (tag is { Key: "kind", Value: string k })
                {
                    kind = k;
                }
            }

            measured(instrument.Name, kind, value);
        });
        listener.Start();
        return listener;
    }

    internal static void Pushed(long bytes, string kind) => PushedBytes.Add(bytes, new KeyValuePair<string, object?>("kind", kind));

    /// <summary>Counts a failed operation; false, so that it can sit in an exception filter and catch nothing.</summary>
    internal static bool Failed(string kind)
    {
        Failures.Add(1, new KeyValuePair<string, object?>("kind", kind));
        return false;
    }
}
