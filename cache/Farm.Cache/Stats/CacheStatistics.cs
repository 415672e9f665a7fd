namespace Farm.Cache.Stats;

/// <summary>Totals over an events log: hits (per tier), misses, uncacheable compiles by reason, bytes, errors, corrupt entries.</summary>
public sealed record CacheStatistics(
    long Hits,
    long Misses,
    long Uncacheable,
    long Stored,
    IReadOnlyDictionary<string, TierStatistics> Tiers,
    IReadOnlyDictionary<string, long> UncacheableReasons)
{
    public static CacheStatistics Read(string path)
    {
        long hits = 0, misses = 0, uncacheable = 0, stored = 0;
        var tiers = new SortedDictionary<string, TierStatistics>(StringComparer.Ordinal);
        var reasons = new SortedDictionary<string, long>(StringComparer.Ordinal);
        TierStatistics Tier(string name) => tiers.TryGetValue(name, out var t) ? t : tiers[name] = new TierStatistics();
        if (File.Exists(path))
        {
            foreach (var line in File.ReadLines(path))
            {
                var parts = line.Split(' ');
                switch (parts[0])
                {
                    case "hit" when parts.Length > 1:
                        hits++;
                        Tier(parts[1]).Hits++;
                        break;
                    case "miss":
                        misses++;
                        break;
                    case "stored":
                        stored++;
                        break;
                    case "uncacheable" when parts.Length > 1:
                        uncacheable++;
                        reasons[parts[1]] = reasons.GetValueOrDefault(parts[1]) + 1;
                        break;
                    case "error" when parts.Length > 1:
                        Tier(parts[1]).Errors++;
                        break;
                    case "corrupt" when parts.Length > 1:
                        Tier(parts[1]).Corrupt++;
                        break;
                    case "answered" when parts.Length > 2 && long.TryParse(parts[2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var answered):
                        Tier(parts[1]).Answered += answered;
                        break;
                    case "bytes" when parts.Length > 2 && long.TryParse(parts[2], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var bytes):
                        Tier(parts[1]).BytesRead += bytes;
                        break;
                }
            }
        }

        return new CacheStatistics(hits, misses, uncacheable, stored, tiers, reasons);
    }

    /// <summary>Hits over cacheable compiles, 0–1.</summary>
    public double HitRate => Hits + Misses == 0 ? 0 : (double)Hits / (Hits + Misses);
}

public sealed class TierStatistics
{
    public long Hits { get; set; }

    public long BytesRead { get; set; }

    public long Errors { get; set; }

    public long Corrupt { get; set; }

    /// <summary>Lookups this tier answered for a sandboxed build's broker (whose compiles report the broker as their tier).</summary>
    public long Answered { get; set; }
}
