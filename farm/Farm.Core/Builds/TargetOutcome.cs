namespace Farm.Core.Builds;

/// <summary>How a target ended, as its worker reports it.</summary>
public sealed record TargetOutcome(TargetState State, string? Reason)
{
    public string? ManifestDigest { get; init; }

    /// <summary>For a skip: the CPU features (<c>rdseed</c>) the kernel needs that this worker's runner does not give its guest.</summary>
    public IReadOnlyList<string> LackingCpu { get; init; } = [];

    public string? IndexEntry { get; init; }

    public double? BuildSeconds { get; init; }

    public double? BootSeconds { get; init; }

    public long CacheHits { get; init; }

    public long CacheMisses { get; init; }

    public long CacheErrors { get; init; }

    public bool Cached { get; init; }

    /// <summary>Each object-cache tier's hits, errors and bytes read, by tier name; empty when nothing compiled through farm-cc.</summary>
    public IReadOnlyDictionary<string, TierUse> CacheTiers { get; init; } = new Dictionary<string, TierUse>();

    /// <summary>Whether the rootfs came from the rootfs layer cache; null when the target has no Dockerfile rootfs.</summary>
    public bool? RootfsCached { get; init; }

    /// <summary>The kernel image's size in bytes, for the catalog's size tracking.</summary>
    public long? KernelBytes { get; init; }
}
