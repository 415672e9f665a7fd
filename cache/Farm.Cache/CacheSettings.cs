using Farm.Cache.Store;

namespace Farm.Cache;

/// <summary>
/// The cache a process uses, from the environment: <c>FARM_CACHE_DIR</c> (local disk; no cache without it),
/// <c>FARM_CACHE_MAX_SIZE</c> (bytes, default 5 GiB), <c>FARM_CACHE_REDIS</c> (host:port), <c>FARM_CACHE_REGISTRY</c>
/// (host:port/repo of the cold tier, used by the worker around a build), <c>FARM_CACHE_SCOPE</c>,
/// <c>FARM_CACHE_READONLY</c> (1/true: never write), <c>FARM_CACHE_SOCKET</c> (the worker's broker, inside the sandbox), <c>FARM_CACHE_PREFIX_MAP</c> (the build's roots) and
/// <c>FARM_CACHE_BASEDIR</c> (paths under it made relative, for builds outside the farm).
/// </summary>
public sealed record CacheSettings(string? Directory, long MaxSizeBytes, string? Redis, string? Registry, CacheScope Scope, bool ReadOnly, string? PrefixMap)
{
    /// <summary><c>FARM_CACHE_EVENTS</c>: one target build's own event log, beside the cache's.</summary>
    public string? TargetEvents { get; init; }

    /// <summary>
    /// <c>FARM_CACHE_SOCKET</c>: the worker's cache broker. Inside the build sandbox it is the only way to the cache:
    /// the cache directory, Redis and the registry are out of reach, and the broker enforces the scope.
    /// </summary>
    public string? Socket { get; init; }

    /// <summary>
    /// <c>FARM_CACHE_BASEDIR</c> (ccache's <c>base_dir</c>): paths under it are written relative to the working directory,
    /// in the key and in the object, so copies of a source tree under it share hits. An absolute path; else ignored.
    /// </summary>
    public string? BaseDirectory { get; init; }

    /// <summary>
    /// <c>FARM_CACHE_DEPEND</c> (ccache's depend mode; 0/false turns it off): a direct-mode miss compiles once and learns
    /// the headers from the compile's dependency file, instead of running the preprocessor for the key first. It loses
    /// the hits only the preprocessed text finds (the same text from other headers or arguments).
    /// </summary>
    public bool DependMode { get; init; } = true;

    /// <summary><c>PATH</c>, where the compiler is looked up; null: the process's own.</summary>
    public string? SearchPath { get; init; }

    public const long DefaultMaxSize = 5L << 30;

    /// <summary>
    /// Redis connect timeout. The worker's broker connects once per target (farm-cc used to connect per compile, where
    /// 500 ms counted errors on a loaded but healthy machine); a Redis that is down costs this once per target.
    /// </summary>
    public const int DefaultRedisConnectMilliseconds = 2000;

    /// <summary>Redis operation timeout: a frozen Redis costs this once, then the broker leaves it alone for a while.</summary>
    public const int DefaultRedisOperationMilliseconds = 1000;

    /// <summary><c>FARM_CACHE_REDIS_CONNECT_MS</c>.</summary>
    public int RedisConnectMilliseconds { get; init; } = DefaultRedisConnectMilliseconds;

    /// <summary><c>FARM_CACHE_REDIS_TIMEOUT_MS</c>.</summary>
    public int RedisOperationMilliseconds { get; init; } = DefaultRedisOperationMilliseconds;

    public bool Enabled => Directory is not null || Socket is not null;

    /// <summary>Where farm-cc keeps its own small state (the compiler identity memo): the cache directory, else the target's build directory.</summary>
    public string StateDirectory =>
        Directory ?? (TargetEvents is { } events ? Path.GetDirectoryName(Path.GetFullPath(events))! : Path.GetTempPath());

    public static CacheSettings FromEnvironment(Func<string, string?>? read = null)
    {
        read ??= Environment.GetEnvironmentVariable;
        string? Value(string name) => read(name) is { Length: > 0 } value ? value : null;
        var max = long.TryParse(Value("FARM_CACHE_MAX_SIZE"), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var bytes) && bytes > 0 ? bytes : DefaultMaxSize;
        var readOnly = Value("FARM_CACHE_READONLY") is { } flag && (flag == "1" || flag.Equals("true", StringComparison.OrdinalIgnoreCase));
        return new CacheSettings(Value("FARM_CACHE_DIR"), max, Value("FARM_CACHE_REDIS"), Value("FARM_CACHE_REGISTRY"), CacheScope.Parse(Value("FARM_CACHE_SCOPE")), readOnly, Value("FARM_CACHE_PREFIX_MAP"))
        {
            TargetEvents = Value("FARM_CACHE_EVENTS"),
            Socket = Value("FARM_CACHE_SOCKET"),
            BaseDirectory = Value("FARM_CACHE_BASEDIR"),
            SearchPath = Value("PATH"),
            DependMode = Value("FARM_CACHE_DEPEND") is not { } depend || !(depend == "0" || depend.Equals("false", StringComparison.OrdinalIgnoreCase)),
            RedisConnectMilliseconds = Milliseconds(Value("FARM_CACHE_REDIS_CONNECT_MS"), DefaultRedisConnectMilliseconds),
            RedisOperationMilliseconds = Milliseconds(Value("FARM_CACHE_REDIS_TIMEOUT_MS"), DefaultRedisOperationMilliseconds),
        };
    }

    private static int Milliseconds(string? text, int fallback) =>
        int.TryParse(text, System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var value) && value > 0 ? value : fallback;
}
