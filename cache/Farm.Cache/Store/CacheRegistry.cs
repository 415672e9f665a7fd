using Farm.Core.Oci.Distribution;

namespace Farm.Cache.Store;

/// <summary>The cache's registry repository from <c>FARM_CACHE_REGISTRY</c> (<c>host:port/repo</c>); plain HTTP for loopback hosts only.</summary>
public static class CacheRegistry
{
    public static RegistryRepository? Open(string? hostAndRepository)
    {
        if (hostAndRepository is not { Length: > 0 } text || text.IndexOf('/', StringComparison.Ordinal) is var slash && slash <= 0)
        {
            return null;
        }

        var host = text[..slash];
        // Two attempts: the cold tier is worth a retry, not a long wait when it is down.
        return new RegistryRepository(new RegistryClient(host, new RegistryClientOptions { Insecure = RegistryClient.IsLoopback(host), MaxAttempts = 2 }), text[(slash + 1)..]);
    }
}
