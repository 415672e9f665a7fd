using Farm.State.Settings;
using Farm.State.Sources;

namespace Farm.Worker.Settings;

/// <summary>
/// Every setting a worker process reads, bound and checked together at start-up (<see cref="Load"/>): its own
/// (<c>Farm__Worker__*</c>), the object cache's (<c>Farm__Cache__*</c>, <c>FARM_CACHE_*</c>), Hangfire's, the source
/// store's and the registry's. Passed explicitly to what uses it; nothing is written back to the environment.
/// </summary>
public sealed record WorkerSettings(
    WorkerOptions Worker,
    CacheOptions Cache,
    HangfireOptions Hangfire,
    SourceOptions Sources,
    RegistryOptions Registry,
    WorkerLoggingOptions Logging,
    LogLevelOptions LogLevel)
{
    /// <summary>Every default: what a test or a tool gets without configuration.</summary>
    public static WorkerSettings Defaults { get; } = new(new(), new(), new(), new(), new(), new(), new());

    /// <summary>The settings in <paramref name="reader"/>'s configuration; <see cref="SettingsException"/> names every bad one.</summary>
    public static WorkerSettings Load(SettingsReader reader)
    {
        ArgumentNullException.ThrowIfNull(reader);
        var settings = new WorkerSettings(
            reader.Bind<WorkerOptions>(WorkerOptions.Section),
            reader.Bind<CacheOptions>(CacheOptions.Section),
            reader.Bind<HangfireOptions>(HangfireOptions.Section),
            reader.Bind<SourceOptions>(SourceOptions.Section),
            reader.Bind<RegistryOptions>(RegistryOptions.Section),
            reader.Bind<WorkerLoggingOptions>(WorkerLoggingOptions.Section),
            reader.Bind<LogLevelOptions>(LogLevelOptions.Section));
        reader.ThrowIfInvalid();
        return settings;
    }

    /// <summary>This process's settings (<see cref="SettingsException"/> when one is bad).</summary>
    public static WorkerSettings FromEnvironment() => Load(SettingsReader.FromEnvironment());

    /// <summary>This process's settings, or null after one line per problem on <paramref name="stderr"/> (<c>COMMAND: VARIABLE: problem</c>).</summary>
    public static async Task<WorkerSettings?> LoadOrReportAsync(TextWriter stderr, string command)
    {
        ArgumentNullException.ThrowIfNull(stderr);
        try
        {
            return FromEnvironment();
        }
        catch (SettingsException ex)
        {
            foreach (var problem in ex.Problems)
            {
                await stderr.WriteLineAsync($"{command}: {problem}").ConfigureAwait(false);
            }

            return null;
        }
    }

    /// <summary>Source trees kept in the cache registry (<c>Farm__Cache__Registry</c>), or null.</summary>
    public SourceArchive? SourceArchive() => SourceCacheLocations.Archive(Cache.Registry);

    /// <summary>Where uploaded sources are kept: <c>Farm__Sources__Store</c>, else the cache registry, else the user's layout.</summary>
    public Core.Oci.OciReference SourceStore => Sources.Reference(Cache.Registry);

    /// <summary>
    /// The cache directory of this process's settings, for code that has no settings passed to it (build directories
    /// of a pipeline run outside a worker). The worker checked these settings at start-up.
    /// </summary>
    public static string CacheDirectory() =>
        new SettingsReader(SettingsReader.FromEnvironment().Configuration).Bind<WorkerOptions>(WorkerOptions.Section).ResolvedCacheDirectory;
}
