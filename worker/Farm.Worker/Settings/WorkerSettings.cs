namespace Farm.Worker.Settings;

/// <summary>Settings a worker reads from its environment, named as the .NET options pattern binds them.</summary>
internal static class WorkerSettings
{
    /// <summary><c>Farm__Worker__Queues__0..N</c>: restrict the queues this worker serves.</summary>
    public static IReadOnlyList<string> ConfiguredQueues()
    {
        var queues = new List<string>();
        for (var i = 0; Environment.GetEnvironmentVariable($"Farm__Worker__Queues__{i}") is { Length: > 0 } queue; i++)
        {
            queues.Add(queue.Trim());
        }

        return queues;
    }

    /// <summary>Source trees kept in the cache registry (<c>FARM_CACHE_REGISTRY</c>, <c>host:port/repo</c>), or null.</summary>
    public static State.Sources.SourceArchive? SourceArchive() => State.Sources.SourceCacheLocations.ArchiveFromEnvironment();

    /// <summary>Git checkouts and other caches: <c>Farm__Worker__CacheDirectory</c>, else the XDG cache directory.</summary>
    public static string CacheDirectory() => State.Sources.SourceCacheLocations.DefaultDirectory();
}
