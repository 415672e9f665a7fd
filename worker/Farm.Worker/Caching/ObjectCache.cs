using Farm.Cache;
using Farm.Cache.Stats;
using Farm.Cache.Store;
using Farm.Core.Oci.Distribution;
using Farm.Core.Processes;

namespace Farm.Worker.Caching;

/// <summary>
/// The object cache around one target build: farm-cc as the compiler launcher, a per-target event log for the
/// target's counters, and the registry tier: the target's bundle prefetched into local disk before make runs and
/// published after a successful build. Registry problems are logged and the build goes on: a cache is never the
/// reason a build fails.
/// </summary>
internal sealed class ObjectCache
{
    private readonly CacheSettings _settings;

    public ObjectCache(CacheSettings settings, string launcher)
    {
        _settings = settings;
        Launcher = launcher;
    }

    /// <summary>This cache in another scope: an untrusted build (a pull request) reads the shared scope and writes only its own.</summary>
    public ObjectCache InScope(CacheScope scope) => new(_settings with { Scope = scope }, Launcher) { RestoresBuilds = RestoresBuilds };

    /// <summary>Whether builds start from an earlier build's objects (<c>Farm__Cache__RestoreBuilds</c>).</summary>
    public bool RestoresBuilds { get; init; } = true;

    /// <summary>Earlier builds' objects, by target, in the local tier and this cache's scope (see <see cref="Snapshots.BuildSnapshots"/>).</summary>
    public Snapshots.BuildSnapshots? Snapshots => RestoresBuilds ? new(Local(), _settings.Scope, _settings.ReadOnly) : null;

    /// <summary>What make runs compiles through (<c>CC="LAUNCHER gcc"</c>).</summary>
    public string Launcher { get; }

    /// <summary>
    /// The cache of <paramref name="options"/> (local disk in <paramref name="defaultDirectory"/> unless one is set), with
    /// farm-cc from <c>Farm__Cache__Compiler</c> (<c>FARM_CC</c>), beside this program, or on PATH; null without farm-cc.
    /// </summary>
    public static ObjectCache? From(State.Settings.CacheOptions options, string defaultDirectory, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(log);
        var beside = Path.Combine(AppContext.BaseDirectory, "farm-cc");
        var launcher = options.Compiler is { Length: > 0 } configured ? configured : File.Exists(beside) ? beside : ExecutableLocator.Find("farm-cc");
        if (launcher is null)
        {
            log("farm: farm-cc is neither in Farm__Cache__Compiler (FARM_CC), beside the worker, nor on PATH; building without the object cache");
            return null;
        }

        return new ObjectCache(options.ToSettings(defaultDirectory), launcher) { RestoresBuilds = options.RestoreBuilds };
    }

    /// <summary>The cache named by the <c>FARM_CACHE_*</c> variables (farm-cc's contract), for <c>worker build-target</c>; null when none is set up.</summary>
    public static ObjectCache? FromEnvironment(State.Settings.CacheOptions options, Action<string> log)
    {
        ArgumentNullException.ThrowIfNull(options);
        return options.Directory is { Length: > 0 } directory ? From(options, directory, log) : null;
    }

    /// <summary>
    /// The environment farm-cc needs under make: the cache's settings passed explicitly (not inherited), and the
    /// target's own event log.
    /// </summary>
    public IReadOnlyDictionary<string, string> Environment(string eventsFile)
    {
        var environment = new Dictionary<string, string>
        {
            ["FARM_CACHE_DIR"] = _settings.Directory!,
            ["FARM_CACHE_MAX_SIZE"] = _settings.MaxSizeBytes.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["FARM_CACHE_SCOPE"] = _settings.Scope.Trusted ? CacheScope.Shared : _settings.Scope.Name["untrusted-".Length..],
            ["FARM_CACHE_READONLY"] = _settings.ReadOnly ? "1" : "0",
            ["FARM_CACHE_EVENTS"] = eventsFile,
            ["FARM_CACHE_REDIS"] = _settings.Redis ?? string.Empty,
            ["FARM_CACHE_REDIS_CONNECT_MS"] = _settings.RedisConnectMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["FARM_CACHE_REDIS_TIMEOUT_MS"] = _settings.RedisOperationMilliseconds.ToString(System.Globalization.CultureInfo.InvariantCulture),
        };
        return environment;
    }

    /// <summary>
    /// The environment farm-cc needs inside the sandbox: only the broker's socket (the worker holds the scope), the
    /// event log in the build directory, and whether to write at all.
    /// </summary>
    public IReadOnlyDictionary<string, string> SandboxEnvironment(string eventsFile) => new Dictionary<string, string>
    {
        ["FARM_CACHE_SOCKET"] = Sandboxing.SandboxPolicy.SocketInside,
        ["FARM_CACHE_SCOPE"] = _settings.Scope.Trusted ? CacheScope.Shared : _settings.Scope.Name["untrusted-".Length..],
        ["FARM_CACHE_READONLY"] = _settings.ReadOnly ? "1" : "0",
        ["FARM_CACHE_EVENTS"] = eventsFile,
    };

    /// <summary>Starts this build's cache broker on the worker's disk and Redis, in this cache's scope.</summary>
    public Sandboxing.CacheBroker StartBroker(Action<string> log)
    {
        var shared = new List<ICacheTier>();
        string? unreachable = null;
        if (_settings.Redis is { } endpoint)
        {
            try
            {
                shared.Add(RedisTier.Connect(endpoint, _settings.RedisConnectMilliseconds, _settings.RedisOperationMilliseconds));
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                // Neither the endpoint nor the client's message: the setting may hold a password, and this log is the build's.
                unreachable = ex.GetType().Name;
                log($"farm: cache: warning: Redis (FARM_CACHE_REDIS) is unreachable ({unreachable}), compiling without it");
            }
        }

        var directory = Directory.CreateTempSubdirectory("farm-broker-").FullName;
        var broker = Sandboxing.CacheBroker.Start(directory, _settings.Scope, _settings.ReadOnly, _settings.Directory!, _settings.MaxSizeBytes, shared, log);
        if (unreachable is not null)
        {
            broker.RecordError("redis", "connect");
        }

        return broker;
    }

    public static string EventsFile(string buildDirectory) => Path.Combine(Path.GetFullPath(buildDirectory), "farm-cc.events");

    /// <summary>
    /// The target's bundle, in every scope this build reads, into local disk: the compile entries and the snapshot of
    /// the build that published it (from any worker). Returns the keys of the compile entries that arrived.
    /// </summary>
    public async Task<IReadOnlyList<string>> PrefetchAsync(string target, Action<string> log, CancellationToken cancellationToken)
    {
        if (OpenRegistry() is not { } repository)
        {
            return [];
        }

        var keys = new List<string>();
        foreach (var scope in _settings.Scope.ReadScopes)
        {
            try
            {
                var stopwatch = System.Diagnostics.Stopwatch.StartNew();
                var bundle = await CacheBundles.PrefetchAsync(repository, scope, target, Local(), IsSnapshot, cancellationToken).ConfigureAwait(false);
                keys.AddRange(bundle.Keys);
                var snapshot = bundle.SnapshotKey is null ? string.Empty : " and the snapshot of the build that published them";
                log($"farm: cache: prefetched {bundle.Keys.Count} entries of {target} ({scope}){snapshot} from {repository.Name} in {stopwatch.Elapsed.TotalMilliseconds:0} ms");
            }
            catch (Exception ex) when (ex is RegistryException or IOException or Core.Oci.OciFormatException or HttpRequestException)
            {
                log($"farm: cache: warning: prefetch from {repository.Name} failed, building without it: {ex.Message}");
            }
        }

        return keys;
    }

    /// <summary>
    /// After a successful build: the target's bundle, published for every other worker. It holds the compiles of this
    /// build (its event log), the entries prefetched before it that still describe it (<see cref="EarlierEntries"/>: a
    /// build that compiled only what changed keeps the rest of the target in its bundle), and the build's snapshot.
    /// </summary>
    public async Task PublishAsync(string target, PublishedBuild build, Action<string> log, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(build);
        if (_settings.ReadOnly || OpenRegistry() is not { } repository)
        {
            return;
        }

        var local = Local();
        var scope = _settings.Scope.WriteScope;
        var snapshot = build.SnapshotKey is { } snapshotKey && local.GetAction(scope, snapshotKey) is { } recorded && Caching.Snapshots.BuildSnapshot.TryParse(recorded) is { } parsed
            ? new BundledSnapshot(snapshotKey, parsed.Digests())
            : null;
        var keys = File.Exists(build.EventsFile) ? CacheEvents.KeysIn(build.EventsFile).ToList() : [];
        if (build.EarlierKeys.Count > 0)
        {
            // The snapshot just recorded already knows what the directory holds, by content; only a build without one
            // (a core whose dependency files are not Kbuild's) has its objects hashed here.
            var held = snapshot is not null ? snapshot.ObjectDigests.ToHashSet(StringComparer.Ordinal) : BuiltObjects.Digests(build.Directory);
            keys.AddRange(EarlierEntries.StillCurrent(local, scope, build.EarlierKeys, [.. keys], held));
        }

        try
        {
            var count = await CacheBundles.PublishAsync(repository, scope, target, keys, snapshot, local, cancellationToken).ConfigureAwait(false);
            var with = snapshot is null ? string.Empty : $" and the build's snapshot ({snapshot.ObjectDigests.Count} files)";
            log($"farm: cache: published {count} entries of {target} ({scope}){with} to {repository.Name}");
        }
        catch (Exception ex) when (ex is RegistryException or IOException or Core.Oci.OciFormatException or HttpRequestException)
        {
            log($"farm: cache: warning: publishing to {repository.Name} failed: {ex.Message}");
        }
    }

    public static CacheStatistics Statistics(string eventsFile) => CacheStatistics.Read(eventsFile);

    private static bool IsSnapshot(byte[] bytes) => Caching.Snapshots.BuildSnapshot.TryParse(bytes) is not null;

    private LocalDiskTier Local() => new(_settings.Directory!, _settings.MaxSizeBytes);

    private RegistryRepository? OpenRegistry() => CacheRegistry.Open(_settings.Registry);
}
