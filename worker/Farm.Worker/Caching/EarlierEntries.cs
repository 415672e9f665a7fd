using Farm.Cache.Compilation;
using Farm.Cache.Store;

namespace Farm.Worker.Caching;

/// <summary>
/// Which of the entries prefetched before a build still describe it, for its bundle: a build that compiled only what
/// changed (its earlier objects restored, or its directory kept) logged only those compiles, and its bundle must not
/// lose the rest of the target. Kept: the compile entries whose object the build directory holds, and the direct-mode
/// manifests that lead to one of those or to a compile this build logged. Gone: what the build replaced.
/// </summary>
internal static class EarlierEntries
{
    /// <summary>A manifest is a few lines per header; anything larger is an object, not read as one.</summary>
    private const long MaxManifestBytes = 1L << 20;

    public static IReadOnlyList<string> StillCurrent(LocalDiskTier local, string scope, IEnumerable<string> earlier, IEnumerable<string> logged, IReadOnlySet<string> heldObjects)
    {
        var entries = earlier.Distinct(StringComparer.Ordinal)
            .Select(key => (Key: key, Entry: local.GetAction(scope, key) is { } bytes ? ActionEntry.TryParse(bytes) : null))
            .Where(e => e.Entry is not null)
            .ToList();
        var compiles = entries.Where(e => heldObjects.Contains(e.Entry!.ObjectDigest)).Select(e => e.Key).ToList();
        var current = compiles.Concat(logged).ToHashSet(StringComparer.Ordinal);
        var manifests = entries
            .Where(e => !heldObjects.Contains(e.Entry!.ObjectDigest) && e.Entry.ObjectSize <= MaxManifestBytes
                && local.GetObject(e.Entry.ObjectDigest) is { } manifest && DirectManifest.Keys(manifest).Any(current.Contains))
            .Select(e => e.Key);
        return [.. compiles, .. manifests];
    }
}
