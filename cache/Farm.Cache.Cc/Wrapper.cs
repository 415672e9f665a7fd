using Farm.Cache.Compilation;
using Farm.Cache.Stats;
using Farm.Cache.Store;

namespace Farm.Cache.Cc;

/// <summary>
/// Sets up the tiers for one run and compiles through them. Redis is connected only when the local disk misses
/// would need it, and a Redis that is down costs one counted error, never the compile.
/// </summary>
internal static class Wrapper
{
    public static int Run(string compiler, IReadOnlyList<string> arguments, CacheSettings settings, TextWriter stdout, TextWriter stderr)
    {
        if (!settings.Enabled)
        {
            return CompilerProcess.Run(compiler, arguments, stdout, stderr).ExitCode;
        }

        var events = new CacheEvents(settings.Directory);
        var tiers = new List<ICacheTier> { new LocalDiskTier(settings.Directory!, settings.MaxSizeBytes) };
        RedisTier? redis = null;
        if (settings.Redis is { } endpoint)
        {
            try
            {
                redis = RedisTier.Connect(endpoint);
                tiers.Add(redis);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                events.Error("redis", "connect");
            }
        }

        try
        {
            return new CachedCompile(settings, new TieredCache(tiers, events), events, stdout, stderr, Directory.GetCurrentDirectory()).Run(compiler, arguments);
        }
        finally
        {
            events.Flush();
            redis?.Dispose();
        }
    }
}
