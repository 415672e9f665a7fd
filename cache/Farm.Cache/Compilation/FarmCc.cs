using Farm.Cache.Broker;
using Farm.Cache.Stats;
using Farm.Cache.Store;

namespace Farm.Cache.Compilation;

/// <summary>
/// farm-cc's whole run: sets up the tiers and compiles through them. Inside the build sandbox the only tier is the
/// worker's broker (<c>FARM_CACHE_SOCKET</c>); outside it, the local disk and then Redis, which is connected only
/// when the local disk misses would need it, and a Redis that is down costs one counted error, never the compile.
/// </summary>
public static class FarmCc
{
    public static int Run(string compiler, IReadOnlyList<string> arguments, CacheSettings settings, TextWriter stdout, TextWriter stderr, string workingDirectory)
    {
        if (!settings.Enabled)
        {
            return CompilerProcess.Run(compiler, arguments, stdout, stderr, workingDirectory).ExitCode;
        }

        if (settings.Socket is { } socket)
        {
            var events = new CacheEvents(cacheDirectory: null, settings.TargetEvents);
            using var broker = new BrokerTier(socket);
            try
            {
                return Guarded(() => new CachedCompile(settings, new TieredCache([broker], events, settings.ReadOnly), events, stdout, stderr, workingDirectory, broker).Run(compiler, arguments), compiler, arguments, events, stdout, stderr, workingDirectory);
            }
            finally
            {
                events.Flush();
            }
        }

        return RunOnDisk(compiler, arguments, settings, stdout, stderr, workingDirectory);
    }

    /// <summary>
    /// The cached compile, or, when the cache itself fails in a way nobody foresaw, the plain compile: a cache is never
    /// the reason a build fails (an -I directory that did not exist once crashed farm-cc before the compiler ran).
    /// </summary>
    private static int Guarded(Func<int> cached, string compiler, IReadOnlyList<string> arguments, CacheEvents events, TextWriter stdout, TextWriter stderr, string workingDirectory)
    {
        try
        {
            return cached();
        }
        catch (Exception error) when (error is not OutOfMemoryException)
        {
            stderr.WriteLine($"farm-cc: the object cache failed ({error.GetType().Name}: {error.Message}); compiling without it");
            events.Error("farm-cc", error.GetType().Name);
            return CompilerProcess.Run(compiler, arguments, stdout, stderr, workingDirectory).ExitCode;
        }
    }

    private static int RunOnDisk(string compiler, IReadOnlyList<string> arguments, CacheSettings settings, TextWriter stdout, TextWriter stderr, string workingDirectory)
    {
        var events = new CacheEvents(settings.Directory, settings.TargetEvents);
        var local = new LocalDiskTier(settings.Directory!, settings.MaxSizeBytes);
        var tiers = new List<ICacheTier> { local };
        RedisTier? redis = null;
        if (settings.Redis is { } endpoint)
        {
            try
            {
                redis = RedisTier.Connect(endpoint, settings.RedisConnectMilliseconds, settings.RedisOperationMilliseconds);
                tiers.Add(redis);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                events.Error("redis", "connect");
            }
        }

        try
        {
            return Guarded(() => new CachedCompile(settings, new TieredCache(tiers, events, settings.ReadOnly), events, stdout, stderr, workingDirectory, local).Run(compiler, arguments), compiler, arguments, events, stdout, stderr, workingDirectory);
        }
        finally
        {
            events.Flush();
            redis?.Dispose();
        }
    }
}
