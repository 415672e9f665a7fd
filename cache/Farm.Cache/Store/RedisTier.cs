using StackExchange.Redis;

namespace Farm.Cache.Store;

/// <summary>
/// The hot shared tier: small values only (objects over <see cref="MaxValueBytes"/> stay out; they go to the
/// registry tier), each with a TTL that every read refreshes, so that a Redis configured with <c>maxmemory</c> and
/// <c>allkeys-lru</c> keeps what builds use. Keys carry the layout version: <c>farm:v1:ac:SCOPE:KEY</c>,
/// <c>farm:v1:cas:DIGEST</c>.
/// </summary>
public sealed class RedisTier : ICacheTier, IDisposable
{
    public const int MaxValueBytes = 1 << 20;
    private static readonly TimeSpan Ttl = TimeSpan.FromDays(7);
    private readonly ConnectionMultiplexer _connection;
    private readonly IDatabase _database;

    private RedisTier(ConnectionMultiplexer connection)
    {
        _connection = connection;
        _database = connection.GetDatabase();
    }

    public string Name => "redis";

    /// <summary>Connects within a short timeout; throws when Redis is not there (the caller counts it and goes on without).</summary>
    /// <param name="connectTimeoutMilliseconds"><c>FARM_CACHE_REDIS_CONNECT_MS</c>.</param>
    /// <param name="operationTimeoutMilliseconds"><c>FARM_CACHE_REDIS_TIMEOUT_MS</c>.</param>
    public static RedisTier Connect(string endpoint, int connectTimeoutMilliseconds = CacheSettings.DefaultRedisConnectMilliseconds, int operationTimeoutMilliseconds = CacheSettings.DefaultRedisOperationMilliseconds)
    {
        var options = ConfigurationOptions.Parse(endpoint);
        options.ConnectTimeout = connectTimeoutMilliseconds;
        options.SyncTimeout = operationTimeoutMilliseconds;
        options.AsyncTimeout = operationTimeoutMilliseconds;
        options.AbortOnConnectFail = true;
        options.ConnectRetry = 1;

        // A Redis that dies mid-build must cost a miss now, not a 2 s timeout per call.
        options.BacklogPolicy = BacklogPolicy.FailFast;
        return new RedisTier(ConnectionMultiplexer.Connect(options));
    }

    public byte[]? GetAction(string scope, string key) => Get($"farm:v1:ac:{scope}:{key}");

    public void PutAction(string scope, string key, byte[] entry) => Put($"farm:v1:ac:{scope}:{key}", entry);

    public byte[]? GetObject(string digest) => Get($"farm:v1:cas:{digest}");

    public void PutObject(string digest, byte[] content) => Put($"farm:v1:cas:{digest}", content);

    public void DeleteAction(string scope, string key) => _database.KeyDelete($"farm:v1:ac:{scope}:{key}");

    public void DeleteObject(string digest) => _database.KeyDelete($"farm:v1:cas:{digest}");

    public void Dispose() => _connection.Dispose();

    private byte[]? Get(string key)
    {
        var value = _database.StringGetSetExpiry(key, Ttl);
        return value.IsNull ? null : (byte[]?)value;
    }

    private void Put(string key, byte[] value)
    {
        if (value.Length <= MaxValueBytes)
        {
            _database.StringSet(key, value, Ttl);
        }
    }
}
