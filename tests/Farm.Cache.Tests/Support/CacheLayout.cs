using Farm.Cache.Store;

namespace Farm.Cache.Tests.Support;

/// <summary>
/// Where the local disk tier keeps things (<c>v1/ac/SCOPE/KK/KEY</c>, <c>v1/cas/HH/DIGEST</c>), so that tests can
/// find, corrupt and count entries as an operator would on disk.
/// </summary>
internal static class CacheLayout
{
    public static IReadOnlyList<string> ActionKeys(string cacheDirectory, string scope = CacheScope.Shared)
    {
        var root = Path.Combine(cacheDirectory, "v1", "ac", scope);
        return Directory.Exists(root)
            ? Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Select(p => Path.GetFileName(p)).Where(n => !n.StartsWith('.')).Order(StringComparer.Ordinal).ToList()
            : [];
    }

    public static string ActionPath(string cacheDirectory, string key, string scope = CacheScope.Shared) =>
        Path.Combine(cacheDirectory, "v1", "ac", scope, key[..2], key);

    public static IReadOnlyList<string> ObjectPaths(string cacheDirectory)
    {
        var root = Path.Combine(cacheDirectory, "v1", "cas");
        return Directory.Exists(root)
            ? Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).Where(p => !Path.GetFileName(p).StartsWith('.')).Order(StringComparer.Ordinal).ToList()
            : [];
    }

    /// <summary>Every file the cache keeps entries in (not its statistics or compiler memo).</summary>
    public static IReadOnlyList<string> EntryFiles(string cacheDirectory)
    {
        var root = Path.Combine(cacheDirectory, "v1");
        return Directory.Exists(root) ? Directory.EnumerateFiles(root, "*", SearchOption.AllDirectories).ToList() : [];
    }
}
