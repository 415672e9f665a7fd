namespace Farm.Cache.Tests.Support;

/// <summary>Cache settings read the way farm-cc reads them, from <c>FARM_CACHE_*</c> variables (given here, not the process's).</summary>
internal static class TestSettings
{
    public static CacheSettings FromVariables(params (string Name, string? Value)[] variables)
    {
        var values = variables.ToDictionary(v => v.Name, v => v.Value, StringComparer.Ordinal);
        return CacheSettings.FromEnvironment(name => values.GetValueOrDefault(name));
    }

    /// <summary>A local-disk cache in <paramref name="cacheDirectory"/>, plus any other variables.</summary>
    public static CacheSettings Local(string cacheDirectory, params (string Name, string? Value)[] more) =>
        FromVariables([("FARM_CACHE_DIR", cacheDirectory), .. more]);
}
