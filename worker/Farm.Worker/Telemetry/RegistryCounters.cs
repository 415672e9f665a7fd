using Farm.Core.Oci.Distribution;
using Prometheus;

namespace Farm.Worker.Telemetry;

/// <summary>This worker's registry pushes and failures (<see cref="RegistryMeter"/>: kernels, initrds, cache bundles) as Prometheus counters.</summary>
internal sealed class RegistryCounters : IDisposable
{
    private readonly IDisposable _listening;

    public RegistryCounters(IMetricFactory factory)
    {
        var pushed = factory.CreateCounter("farm_registry_push_bytes_total", "Bytes this worker uploaded to registries (blobs and manifests the registry did not have), by kind", ["kind"]);
        var errors = factory.CreateCounter("farm_registry_errors_total", "Registry operations of this worker that failed after their retries (push or pull), by kind: unreachable, timeout, deadline, refused, content", ["kind"]);
        pushed.WithLabels("blob");
        pushed.WithLabels("manifest");
        _listening = RegistryMeter.Listen((instrument, kind, value) => (instrument == RegistryMeter.PushBytes ? pushed : errors).WithLabels(kind).Inc(value));
    }

    public void Dispose() => _listening.Dispose();
}
