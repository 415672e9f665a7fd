namespace Farm.Cache.Store;

/// <summary>
/// One level of the cache: action entries by (scope, key) and objects by digest. Implementations may throw on
/// infrastructure errors; <see cref="TieredCache"/> turns every such error into a miss and a counted warning.
/// </summary>
public interface ICacheTier
{
    string Name { get; }

    byte[]? GetAction(string scope, string key);

    void PutAction(string scope, string key, byte[] entry);

    byte[]? GetObject(string digest);

    void PutObject(string digest, byte[] content);

    /// <summary>Removes an entry found corrupt, so that it is a miss from now on.</summary>
    void DeleteAction(string scope, string key);

    void DeleteObject(string digest);
}
