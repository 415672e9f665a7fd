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

    /// <summary>Build tools (<see cref="BuildTools"/>) this host lacks; while any is missing no queue is served.</summary>
    public IReadOnlyDictionary<string, string> MissingBuildTools { get; init; } = new Dictionary<string, string>();

    /// <summary>CPU features the emulated x86_64 QEMU gives a guest (<c>rdrand</c>, <c>rdseed</c>), as its probe kernel saw them; null when not probed.</summary>
    public IReadOnlySet<string>? EmulatedX8664Features { get; init; }

    /// <summary>
    /// These capabilities for builds that are not booted here (<c>--no-smoke</c>): every platform of each architecture
    /// this host compiles for, whether or not it can boot it.
    /// </summary>
    public HostCapabilities CompileOnly()
    {
        var queues = MissingBuildTools.Count > 0 ? [] : CapabilityDetector.PlatformOrder
            .SelectMany(platform => Toolchains.Keys.Order(StringComparer.Ordinal).Select(architecture => Core.Planning.Queues.For(platform, architecture)))
            .ToList();
        return this with { DetectedQueues = queues, Queues = queues };
    }

    public HypervisorProbe? Hypervisor(string name) => Hypervisors.FirstOrDefault(h => h.Name == name);

    /// <summary>Why this worker does not serve <paramref name="platform"/>/<paramref name="architecture"/>, or null when it does.</summary>
    public string? WhyNotServed(string platform, string architecture)
    {
        var queue = Core.Planning.Queues.For(platform, architecture);
        if (Queues.Contains(queue))
        {
            return null;
        }

        if (MissingBuildTools.Count > 0)
        {
            return BuildTools.Describe(MissingBuildTools);
        }

        if (DetectedQueues.Contains(queue))
        {
            return $"queue {queue} is not among this worker's configured queues";
        }

        if (!Toolchains.ContainsKey(architecture))
        {
            return $"no compiler for {architecture}: {MissingToolchains.GetValueOrDefault(architecture, "unknown architecture")}";
        }

        var hypervisor = platform switch
        {
            "qemu" => $"qemu-{architecture}",
            "fc" => "firecracker",
            _ => platform,
        };
        if (platform != "qemu" && architecture != HostArchitecture)
        {
            return $"{platform} boots only the host's architecture ({HostArchitecture})";
        }

        return Hypervisor(hypervisor)?.Problem is { } problem ? $"cannot boot {platform}/{architecture}: {problem}" : $"cannot boot {platform}/{architecture} on this host";
    }
}
