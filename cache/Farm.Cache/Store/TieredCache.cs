using Farm.Cache.Keys;
using Farm.Cache.Stats;

namespace Farm.Cache.Store;

/// <summary>
/// Local disk, then the shared tiers. A hit lower down is promoted to the tiers above it. Every object read is
/// checked against its digest and every entry parsed whole; a corrupt one is deleted where it was found and is a
/// miss. Every error of a tier (Redis down, disk full, a timeout) is a miss and a counted warning: the cache can
/// make a compile faster, never make it fail.
/// </summary>
public sealed class TieredCache
{
    private readonly IReadOnlyList<ICacheTier> _tiers;
    private readonly CacheEvents _events;
    private readonly bool _readOnly;

    /// <param name="readOnly">Never write: no promotion either (<c>FARM_CACHE_READONLY</c>).</param>
    public TieredCache(IReadOnlyList<ICacheTier> tiers, CacheEvents events, bool readOnly = false)
    {
        _tiers = tiers;
        _events = events;
        _readOnly = readOnly;
    }

    public (ActionEntry Entry, byte[] Object, string Tier)? TryGet(CacheScope scope, string key)
    {
        for (var level = 0; level < _tiers.Count; level++)
        {
            var tier = _tiers[level];
            foreach (var readScope in scope.ReadScopes)
            {
                var found = Attempt(tier, () => Lookup(tier, readScope, key));
                if (found is not { } hit)
                {
                    continue;
                }

                // Promote, into the scope the entry came from: a trusted entry stays trusted.
                for (var upper = 0; upper < (_readOnly ? 0 : level); upper++)
                {
                    var above = _tiers[upper];
                    Attempt(above, () =>
                    {
                        above.PutObject(hit.Entry.ObjectDigest, hit.Object);
                        above.PutAction(readScope, key, hit.Entry.ToBytes());
                        return true;
                    });
                }

                return (hit.Entry, hit.Object, tier.Name);
            }
        }

        return null;
    }

    public void Put(CacheScope scope, string key, ActionEntry entry, byte[] content)
    {
        foreach (var tier in _readOnly ? [] : _tiers)
        {
            Attempt(tier, () =>
            {
                tier.PutObject(entry.ObjectDigest, content);
                tier.PutAction(scope.WriteScope, key, entry.ToBytes());
                return true;
            });
        }
    }

    private (ActionEntry Entry, byte[] Object)? Lookup(ICacheTier tier, string scope, string key)
    {
        if (tier.GetAction(scope, key) is not { } bytes)
        {
            return null;
        }

        if (ActionEntry.TryParse(bytes) is not { } entry)
        {
            _events.Corrupt(tier.Name);
            tier.DeleteAction(scope, key);
            return null;
        }

        var content = tier.GetObject(entry.ObjectDigest);
        if (content is null)
        {
            return null;
        }

        if (content.LongLength != entry.ObjectSize || Convert.ToHexStringLower(Sha256.HashData(content)) != entry.ObjectDigest)
        {
            _events.Corrupt(tier.Name);
            tier.DeleteObject(entry.ObjectDigest);
            return null;
        }

        _events.Bytes(tier.Name, content.LongLength);
        return (entry, content);
    }

    private T? Attempt<T>(ICacheTier tier, Func<T?> action)
    {
        try
        {
            return action();
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            _events.Error(tier.Name, ex.GetType().Name);
            return default;
        }
    }
}
