using System.ComponentModel.DataAnnotations;
using Farm.Cache;
using Farm.Cache.Store;

namespace Farm.State.Settings;

/// <summary>
/// <c>Farm__Cache__*</c>: the object cache a worker compiles through (the embedded worker of <c>farm build</c> too),
/// each also read from the <c>FARM_CACHE_*</c> variable farm-cc itself reads, which deployments set. The worker passes
/// them to farm-cc explicitly in each build's environment; it never sets them in its own.
/// </summary>
public sealed class CacheOptions : ISettingsCheck
{
    public const string Section = "Farm:Cache";

    /// <summary><c>Farm__Cache__Directory</c> (<c>FARM_CACHE_DIR</c>): the local disk tier; default <c>objects</c> in the worker's cache directory.</summary>
    [AlsoReadFrom("FARM_CACHE_DIR")]
    public string? Directory { get; init; }

    /// <summary><c>Farm__Cache__MaxSizeBytes</c> (<c>FARM_CACHE_MAX_SIZE</c>): the local tier's size before the oldest entries go.</summary>
    [AlsoReadFrom("FARM_CACHE_MAX_SIZE")]
    [Range(1L, long.MaxValue)]
    public long MaxSizeBytes { get; init; } = CacheSettings.DefaultMaxSize;

    /// <summary>
    /// <c>Farm__Cache__Redis</c> (<c>FARM_CACHE_REDIS</c>, else the farm's <c>ConnectionStrings__Redis</c>): the shared
    /// tier, <c>host:port[,password=...]</c>; none without it.
    /// </summary>
    [AlsoReadFrom("FARM_CACHE_REDIS", "ConnectionStrings__Redis")]
    public string? Redis { get; init; }

    /// <summary><c>Farm__Cache__Registry</c> (<c>FARM_CACHE_REGISTRY</c>): the cold tier and source archives, <c>host:port/repo</c>.</summary>
    [AlsoReadFrom("FARM_CACHE_REGISTRY")]
    public string? Registry { get; init; }

    /// <summary><c>Farm__Cache__ReadOnly</c> (<c>FARM_CACHE_READONLY</c>): read the cache, never write it.</summary>
    [AlsoReadFrom("FARM_CACHE_READONLY")]
    public bool ReadOnly { get; init; }

    /// <summary>
    /// <c>Farm__Cache__RestoreBuilds</c> (<c>FARM_CACHE_RESTORE_BUILDS</c>): a target whose earlier build had the same
    /// defconfig and build description skips <c>make defconfig</c> and gets back, before make runs, every object whose
    /// inputs are unchanged (the local tier keeps each build's objects and dependency files).
    /// </summary>
    [AlsoReadFrom("FARM_CACHE_RESTORE_BUILDS")]
    public bool RestoreBuilds { get; init; } = true;

    /// <summary><c>Farm__Cache__RedisConnectMilliseconds</c> (<c>FARM_CACHE_REDIS_CONNECT_MS</c>): a Redis that is down costs this once per target.</summary>
    [AlsoReadFrom("FARM_CACHE_REDIS_CONNECT_MS")]
    [Range(1, 600_000)]
    public int RedisConnectMilliseconds { get; init; } = CacheSettings.DefaultRedisConnectMilliseconds;

    /// <summary><c>Farm__Cache__RedisTimeoutMilliseconds</c> (<c>FARM_CACHE_REDIS_TIMEOUT_MS</c>): one Redis operation.</summary>
    [AlsoReadFrom("FARM_CACHE_REDIS_TIMEOUT_MS")]
    [Range(1, 600_000)]
    public int RedisTimeoutMilliseconds { get; init; } = CacheSettings.DefaultRedisOperationMilliseconds;

    /// <summary><c>Farm__Cache__Compiler</c> (<c>FARM_CC</c>): the farm-cc program; default the one beside the worker, else on PATH.</summary>
    [AlsoReadFrom("FARM_CC")]
    public string? Compiler { get; init; }

    /// <summary>The settings farm-cc is given, with the local tier in <paramref name="defaultDirectory"/> unless one is configured.</summary>
    public CacheSettings ToSettings(string defaultDirectory) =>
        new(Directory ?? defaultDirectory, MaxSizeBytes, Redis, Registry, CacheScope.Parse(null), ReadOnly, PrefixMap: null)
        {
            RedisConnectMilliseconds = RedisConnectMilliseconds,
            RedisOperationMilliseconds = RedisTimeoutMilliseconds,
        };

    public IEnumerable<(string Key, string Problem)> Problems()
    {
        if (Registry is { Length: > 0 } && RegistryProblem(Registry) is { } registry)
        {
            yield return (nameof(Registry), registry);
        }

        if (Redis is { Length: > 0 } && RedisProblem(Redis) is { } redis)
        {
            yield return (nameof(Redis), redis);
        }

        // A launcher may be a command with arguments (dotnet farm-cc.dll): its program must be found.
        if (Compiler is { Length: > 0 } && Compiler.Split(' ', StringSplitOptions.RemoveEmptyEntries) is [var program, ..]
            && !File.Exists(program) && (program.Contains('/', StringComparison.Ordinal) || Core.Processes.ExecutableLocator.Find(program) is null))
        {
            yield return (nameof(Compiler), $"'{program}' is not a program (the farm-cc launcher: a path, or a command on PATH with its arguments)");
        }
    }

    /// <summary>Why <paramref name="text"/> is not <c>host:port/repo</c> of a registry, or null.</summary>
    public static string? RegistryProblem(string text) =>
        Core.Oci.OciReference.TryParse(text, out var reference, out var error) && !reference.IsLayout && text.IndexOf('/', StringComparison.Ordinal) > 0
            && !text.Contains('@', StringComparison.Ordinal) && !text[text.IndexOf('/', StringComparison.Ordinal)..].Contains(':', StringComparison.Ordinal)
            ? null
            : $"'{text}' is not host:port/repo of a registry (e.g. 127.0.0.1:5000/farm-cache){(error is { Length: > 0 } ? $": {error}" : string.Empty)}";

    /// <summary>Why <paramref name="text"/> is not a Redis configuration; the value itself is not repeated (it may hold a password).</summary>
    public static string? RedisProblem(string text)
    {
        try
        {
            var options = StackExchange.Redis.ConfigurationOptions.Parse(text);
            return options.EndPoints.Count == 0 ? "names no Redis endpoint (host:port[,password=...])" : null;
        }
        catch (ArgumentException ex)
        {
            return $"is not a Redis endpoint (host:port[,password=...]): {ex.Message}";
        }
    }
}
