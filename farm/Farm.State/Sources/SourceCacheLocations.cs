namespace Farm.State.Sources;

/// <summary>Where source trees are kept: on disk for checkouts, in the cache registry for archives of whole trees.</summary>
public static class SourceCacheLocations
{
    /// <summary>Source trees kept in the cache registry (<c>FARM_CACHE_REGISTRY</c>, <c>host:port/repo</c>), or null.</summary>
    public static SourceArchive? ArchiveFromEnvironment() =>
        Farm.Cache.Store.CacheRegistry.Open(Environment.GetEnvironmentVariable("FARM_CACHE_REGISTRY")) is { } repository ? new SourceArchive(repository) : null;

    /// <summary>Git checkouts and other caches: <c>Farm__Worker__CacheDirectory</c>, else the XDG cache directory.</summary>
    public static string DefaultDirectory() =>
        Environment.GetEnvironmentVariable("Farm__Worker__CacheDirectory") is { Length: > 0 } configured ? configured : UserDirectory();

    /// <summary>The user's cache directory for the farm (XDG), whatever a process configured for itself: processes of one user meet here.</summary>
    public static string UserDirectory() =>
        Path.Combine(
            Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
            "unikernel-farm");
}
