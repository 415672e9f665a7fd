using Farm.Cache.Keys;
using Farm.Cache.Store;

namespace Farm.Cache.Compilation;

/// <summary>Direct mode (<see cref="DirectMode"/>): a hit found through the manifest of the files the last compile read, and the manifest written after a compile.</summary>
public sealed partial class CachedCompile
{
    private int? DirectHit(CompilerInvocation invocation, PrefixMap prefixes, string directKey)
    {
        // This worker's own manifests first; then one from the shared tiers, where a manifest is an action entry whose
        // object is the manifest, so that a fresh worker in another directory skips the preprocessor too.
        IEnumerable<byte[]?> Manifests()
        {
            foreach (var scope in _settings.Scope.ReadScopes)
            {
                yield return _manifests!.GetManifest(scope, directKey);
            }

            yield return _cache.TryGet(_settings.Scope, DirectManifest.ManifestKey(directKey))?.Object;
        }

        foreach (var manifest in Manifests())
        {
            if (manifest is null || DirectManifest.Resolve(manifest, prefixes, _directory) is not { } key)
            {
                continue;
            }

            if (_cache.TryGet(_settings.Scope, key) is { } hit)
            {
                if (!Replay(invocation, prefixes, hit.Entry, hit.Object))
                {
                    return null;
                }

                _events.Hit(hit.Tier, key);
                _events.Direct();
                _events.Manifest(DirectManifest.ManifestKey(directKey));
                return 0;
            }
        }

        return null;
    }

    /// <param name="read">The files the preprocessor's line markers named: every file the compile read.</param>
    private void RecordManifest(CompilerInvocation invocation, PrefixMap prefixes, string? directKey, string key, IReadOnlyCollection<string> read)
    {
        if (directKey is null || _settings.ReadOnly || read.Count == 0)
        {
            return;
        }

        if (DirectMode.Build(key, read, prefixes, _directory) is { } manifest)
        {
            PutManifest(directKey, manifest);
        }
    }

    /// <summary>
    /// Whether a manifest is also kept as an entry (in the shared tiers, and on local disk for the target's bundle, whose
    /// keys the worker reads from <c>FARM_CACHE_EVENTS</c>). Without Redis, a broker or a target's events (farm-cc on a
    /// developer's machine, the resident helper) nobody else reads that copy: two more files on the same disk per miss.
    /// </summary>
    private bool SharesManifests => _settings.Redis is not null || _settings.Socket is not null || _settings.TargetEvents is not null;

    /// <summary>Keeps a manifest on this worker's disk and in the shared tiers, for a fresh worker elsewhere.</summary>
    private void PutManifest(string directKey, byte[] manifest)
    {
        try
        {
            manifest = DirectManifest.Merge(manifest, _manifests!.GetManifest(_settings.Scope.WriteScope, directKey));
            _manifests.PutManifest(_settings.Scope.WriteScope, directKey, manifest);
            var manifestKey = DirectManifest.ManifestKey(directKey);
            if (SharesManifests)
            {
                _cache.Put(_settings.Scope, manifestKey, new ActionEntry(Convert.ToHexStringLower(Sha256.HashData(manifest)), manifest.LongLength, null, string.Empty), manifest);
            }

            _events.Manifest(manifestKey);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            _events.Error("local", ex.GetType().Name);
        }
    }
}
