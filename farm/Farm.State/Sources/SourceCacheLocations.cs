namespace Farm.State.Sources;

/// <summary>Where source trees are kept: on disk for checkouts, in the cache registry for archives of whole trees.</summary>
public static class SourceCacheLocations
{
    /// <summary>Source trees kept in the cache registry (<see cref="Settings.CacheOptions.Registry"/>, <c>host:port/repo</c>), or null.</summary>
    public static SourceArchive? Archive(string? cacheRegistry) =>
        Farm.Cache.Store.CacheRegistry.Open(cacheRegistry) is { } repository ? new SourceArchive(repository) : null;

    /// <summary>The user's cache directory for the farm (XDG), whatever a process configured for itself: processes of one user meet here.</summary>
    public static string UserDirectory() =>
        Path.Combine(
            Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } xdg ? xdg : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache"),
            "unikernel-farm");
}
