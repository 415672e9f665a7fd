using Farm.Core.Oci.Distribution;
using Prometheus;

namespace Farm.Operations;

/// <summary>The farm process's registry pushes and failures (<see cref="RegistryMeter"/>: indexes, signatures) as Prometheus counters.</summary>
internal sealed class RegistryCounters : IDisposable
{
    private readonly IDisposable _listening;

    public RegistryCounters(IMetricFactory factory)
    {
        var pushed = factory.CreateCounter("farm_registry_push_bytes_total", "Bytes the farm uploaded to registries (indexes, signatures; each worker counts its kernels), by kind", ["kind"]);
        var errors = factory.CreateCounter("farm_registry_errors_total", "Registry operations of the farm that failed after their retries (push or pull), by kind: unreachable, timeout, deadline, refused, content", ["kind"]);
        pushed.WithLabels("manifest");
        _listening = RegistryMeter.Listen((instrument, kind, value) => (instrument == RegistryMeter.PushBytes ? pushed : errors).WithLabels(kind).Inc(value));
    }

    public void Dispose() => _listening.Dispose();
}
