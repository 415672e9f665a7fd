using Farm.Worker.Settings;

namespace Farm.Embedded;

/// <summary>
/// The embedded worker's settings for <c>farm build</c> (<c>Farm__Worker__*</c>, <c>Farm__Cache__*</c> and
/// <c>FARM_CACHE_*</c>, ...), checked before anything runs. Here, so the farm's other parts never touch worker code.
/// </summary>
internal sealed class EmbeddedWorkerSettings
{
    private EmbeddedWorkerSettings(WorkerSettings settings) => Worker = settings;

    public WorkerSettings Worker { get; }

    /// <summary>Where the embedded worker keeps checkouts, build directories and its caches.</summary>
    public string CacheDirectory => Worker.Worker.ResolvedCacheDirectory;

    /// <summary>The settings, or null after one line per problem on <paramref name="stderr"/>.</summary>
    public static async Task<EmbeddedWorkerSettings?> LoadAsync(TextWriter stderr, string command) =>
        await WorkerSettings.LoadOrReportAsync(stderr, command).ConfigureAwait(false) is { } settings ? new EmbeddedWorkerSettings(settings) : null;
}
