using System.Diagnostics.Metrics;
using Farm.Core.Oci.Distribution;
using Prometheus;

namespace Farm.Worker.Telemetry;

/// <summary>
/// The registry client's instruments (<see cref="RegistryMeter"/>) as Prometheus counters in <paramref name="factory"/>'s
/// registry, under the same names: a listener of our own rather than prometheus-net's meter adapter, which adds a
/// series of its own (every series here is <c>farm_...</c>) and names counters by its rules.
/// </summary>
public sealed class RegistryMeterBridge : IDisposable
{
    private readonly MeterListener _listener = new();

    public RegistryMeterBridge(IMetricFactory factory)
    {
        ArgumentNullException.ThrowIfNull(factory);
        var pushed = factory.CreateCounter("farm_registry_push_bytes_total", "Bytes uploaded to registries by this process (blobs and manifests the registry did not have), by kind", ["kind"]);
        var errors = factory.CreateCounter("farm_registry_errors_total", "Registry operations of this process that failed after their retries (push or pull), by kind: unreachable, timeout, deadline, refused, content", ["kind"]);
        foreach (var kind in new[] { "blob", "manifest" })
        {
            pushed.WithLabels(kind);
        }

        var counters = new Dictionary<string, Counter> { ["farm_registry_push_bytes"] = pushed, ["farm_registry_errors"] = errors };
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (instrument.Meter.Name == RegistryMeter.Name && counters.ContainsKey(instrument.Name))
            {
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) =>
        {
            var kind = "other";
            foreach (var tag in tags)
            {
                if (tag.Key == "kind" && tag.Value is string k)
                {
                    kind = k;
                }
            }

            counters[instrument.Name].WithLabels(kind).Inc(value);
        });
        _listener.Start();
    }

    public void Dispose() => _listener.Dispose();
}
