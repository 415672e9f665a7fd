using Farm.Worker.Builders;

namespace Farm.Worker.Capabilities;

/// <summary>
/// What a worker can do, found by looking (compilers on PATH) and by trying (probe boots): the architectures it
/// can compile for, the hypervisors that really run a guest, and the queues (<c>plat-arch</c>) it therefore serves.
/// </summary>
internal sealed record HostCapabilities(
    string HostArchitecture,
    IReadOnlyDictionary<string, Toolchain> Toolchains,
    IReadOnlyDictionary<string, string> MissingToolchains,
    HypervisorProbe Kvm,
    IReadOnlyList<HypervisorProbe> Hypervisors,
    IReadOnlyList<string> DetectedQueues,
    IReadOnlyList<string> Queues)
{
    public bool KvmWorks => Kvm.Works;

    /// <summary>
    /// These capabilities for builds that are not booted here (<c>--no-smoke</c>): every platform of each architecture
    /// this host compiles for, whether or not it can boot it.
    /// </summary>
    public HostCapabilities CompileOnly()
    {
        var queues = CapabilityDetector.PlatformOrder
            .SelectMany(platform => Toolchains.Keys.Order(StringComparer.Ordinal).Select(architecture => Core.Planning.Queues.For(platform, architecture)))
            .ToList();
        return this with { DetectedQueues = queues, Queues = queues };
    }

    public HypervisorProbe? Hypervisor(string name) => Hypervisors.FirstOrDefault(h => h.Name == name);
}
