namespace Farm.Core.Builds;

/// <summary>
/// What the caches saved over a set of finished targets (a day, or one build): the object cache's hits, misses and tier
/// errors summed over the targets, and how many targets the target cache served whole.
/// </summary>
/// <param name="Key">The day (yyyy-MM-dd, UTC) or the build id.</param>
/// <param name="App">The build's app, for a build's row.</param>
public sealed record CacheUsage(string Key, string? App, long Hits, long Misses, long Errors, int Targets, int TargetHits)
{
    /// <summary>Each object-cache tier's hits, errors and bytes read.</summary>
    public IReadOnlyDictionary<string, TierUse> Tiers { get; init; } = new Dictionary<string, TierUse>();

    /// <summary>Targets with a Dockerfile rootfs, and how many of those the rootfs layer cache served.</summary>
    public int RootfsTargets { get; init; }

    public int RootfsHits { get; init; }

    public double? RootfsHitRate => RootfsTargets == 0 ? null : (double)RootfsHits / RootfsTargets;

    /// <summary>The share of all cacheable compiles that <paramref name="tier"/> served.</summary>
    public double? TierHitRate(string tier) => Hits + Misses == 0 ? null : (double)(Tiers.GetValueOrDefault(tier)?.Hits ?? 0) / (Hits + Misses);

    public double? ObjectHitRate => Hits + Misses == 0 ? null : (double)Hits / (Hits + Misses);

    public double? TargetHitRate => Targets == 0 ? null : (double)TargetHits / Targets;
}

/// <summary>Cache use per day (newest first) and per recent build (the builds whose targets finished last first).</summary>
public sealed record CacheSummary(IReadOnlyList<CacheUsage> Days, IReadOnlyList<CacheUsage> Builds);
