using Farm.Cache.Stats;
using Farm.Core.Builds;

namespace Farm.Worker.Targets;

/// <summary>
/// A build's object-cache counters as the farm stores them per target: hits, errors and bytes read for each real tier.
/// A sandboxed compile's hit names the broker, which is no tier; the broker counted which tier answered it.
/// </summary>
internal static class CacheTierFigures
{
    public static IReadOnlyDictionary<string, TierUse> From(CacheStatistics? statistics)
    {
        var tiers = new Dictionary<string, TierUse>(StringComparer.Ordinal);
        if (statistics is null)
        {
            return tiers;
        }

        foreach (var (tier, counts) in statistics.Tiers)
        {
            if (TierUse.Names.Contains(tier))
            {
                tiers[tier] = new TierUse(counts.Hits + counts.Answered, counts.Errors, counts.BytesRead);
            }
        }

        return tiers;
    }
}
