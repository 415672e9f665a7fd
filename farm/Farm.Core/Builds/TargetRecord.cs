namespace Farm.Core.Builds;

/// <summary>
/// One target of a build, as the farm shows it. <see cref="Name"/> is the kernel file name (<c>name_plat-arch</c>),
/// unique within a build. <see cref="IndexEntry"/> is the packaged manifest's descriptor (JSON), what assembling
/// puts in the index.
/// </summary>
public sealed record TargetRecord(string BuildId, string Name, string Target, string Platform, string Architecture, string Queue)
{
    public TargetState State { get; init; } = TargetState.Queued;

    /// <summary>What the target is doing now (sources, build, smoke, package, cached, ...).</summary>
    public string? Phase { get; init; }

    public string? Worker { get; init; }

    public string? ManifestDigest { get; init; }

    public string? IndexEntry { get; init; }

    public double? BuildSeconds { get; init; }

    public double? BootSeconds { get; init; }

    public long CacheHits { get; init; }

    public long CacheMisses { get; init; }

    /// <summary>Cache tier errors (Redis down, registry failing): each one a miss, never a failure; shown so degradation is visible.</summary>
    public long CacheErrors { get; init; }

    /// <summary>The target was satisfied by the target-level cache: neither built nor booted again.</summary>
    public bool Cached { get; init; }

    /// <summary>Each object-cache tier's hits, errors and bytes read, by tier name.</summary>
    public IReadOnlyDictionary<string, TierUse> CacheTiers { get; init; } = new Dictionary<string, TierUse>();

    /// <summary>Whether the rootfs came from the rootfs layer cache; null when the target has no Dockerfile rootfs.</summary>
    public bool? RootfsCached { get; init; }

    public string? Reason { get; init; }

    /// <summary>How many times the farm gave the target to a new job after its worker was lost: only that job may start it.</summary>
    public int Attempt { get; init; }

    /// <summary>Since when the target waits for a worker (planned, or requeued after its worker was lost).</summary>
    public DateTimeOffset? Queued { get; init; }

    public long? KernelBytes { get; init; }

    public DateTimeOffset? Started { get; init; }

    public DateTimeOffset? Finished { get; init; }

    /// <summary>
    /// The planned target as JSON (<see cref="Planning.TargetPlan"/>), written at planning and read by the target's job
    /// through <see cref="IBuildStore.GetTargetPlanAsync"/> (the PostgreSQL store's listings leave it out).
    /// </summary>
    public string? Plan { get; init; }

    public string PlatformName => $"{Platform}/{Architecture}";
}
