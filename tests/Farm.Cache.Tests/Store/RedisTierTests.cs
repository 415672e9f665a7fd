using Farm.Cache.Compilation;
using Farm.Cache.Stats;
using Farm.Cache.Store;
using Farm.Cache.Tests.Support;

namespace Farm.Cache.Tests.Store;

/// <summary>The Redis tier against a real redis-server (one per test), through whole farm-cc runs where it matters.</summary>
public sealed class RedisTierTests
{
    private const string Source = "int answer(void) { return 42; }\n";

    [Fact]
    public async Task Run_HitInRedisWithEmptyLocalDisk_PromotedSoTheNextRunHitsLocal()
    {
        await using var redis = await RedisServer.StartAsync(ct: TestContext.Current.CancellationToken);
        using var temp = Project();
        Compile(temp, Settings(temp, "worker-a", redis));
        var expected = File.ReadAllBytes(temp.Combine("a.o"));
        File.Delete(temp.Combine("a.o"));
        var workerB = Settings(temp, "worker-b", redis);

        var fromRedis = Compile(temp, workerB);
        var fromLocal = Compile(temp, workerB);

        Assert.True(fromRedis.Has("hit redis"), fromRedis.ToString());
        Assert.True(fromLocal.Has("hit local"), fromLocal.ToString());
        Assert.Equal(expected, File.ReadAllBytes(temp.Combine("a.o")));
        Assert.Single(CacheLayout.ActionKeys(workerB.Directory!));
    }

    [Fact]
    public async Task Run_Miss_StoresTheEntryAndTheObjectInRedisWithATtl()
    {
        await using var redis = await RedisServer.StartAsync(ct: TestContext.Current.CancellationToken);
        using var temp = Project();
        var settings = Settings(temp, "worker-a", redis);

        Compile(temp, settings);

        var key = Assert.Single(CacheLayout.ActionKeys(settings.Directory!));
        Assert.Contains($"farm:v1:ac:trusted:{key}", redis.Keys());
        Assert.Single(redis.Keys("farm:v1:cas:*"));
        Assert.All(redis.Keys(), k => Assert.True(redis.Database.KeyTimeToLive(k) > TimeSpan.FromDays(6), k));
    }

    [Fact]
    public async Task Run_HitInRedis_RefreshesTheTtlOfTheEntryAndTheObject()
    {
        await using var redis = await RedisServer.StartAsync(ct: TestContext.Current.CancellationToken);
        using var temp = Project();
        Compile(temp, Settings(temp, "worker-a", redis));
        var keys = redis.Keys("farm:*");
        Assert.Equal(2, keys.Count);
        foreach (var key in keys)
        {
            redis.Database.KeyExpire(key, TimeSpan.FromMinutes(1));
        }

        var run = Compile(temp, Settings(temp, "worker-b", redis));

        Assert.True(run.Has("hit redis"), run.ToString());
        Assert.All(keys, k => Assert.True(redis.Database.KeyTimeToLive(k) > TimeSpan.FromDays(6), $"{k}: TTL {redis.Database.KeyTimeToLive(k)}"));
    }

    [Fact]
    public async Task Run_ObjectOver1MiB_NotPutInRedis()
    {
        await using var redis = await RedisServer.StartAsync(ct: TestContext.Current.CancellationToken);
        using var temp = new TempDirectory();
        temp.Write("big.c", "const char big[2 << 20] = { 1 };\n"); // 2 MiB of initialised data
        string[] arguments = ["-O2", "-c", "big.c", "-o", "big.o"];
        var first = CompileRun.Of(Settings(temp, "worker-a", redis), temp.Path, arguments);
        Assert.True(new FileInfo(temp.Combine("big.o")).Length > RedisTier.MaxValueBytes);

        var fresh = CompileRun.Of(Settings(temp, "worker-b", redis), temp.Path, arguments);

        Assert.True(first.ExitCode == 0 && first.Missed, first.ToString());
        Assert.Empty(redis.Keys("farm:v1:cas:*"));
        Assert.True(fresh.ExitCode == 0 && fresh.Missed, $"the entry alone is no hit: {fresh}");
    }

    [Fact]
    public async Task PutObject_AtAndOverTheLimit_OnlyTheOneAtTheLimitIsStored()
    {
        await using var redis = await RedisServer.StartAsync(ct: TestContext.Current.CancellationToken);
        using var tier = RedisTier.Connect(redis.Endpoint);
        var atLimit = new string('a', 64);
        var overLimit = new string('b', 64);

        tier.PutObject(atLimit, new byte[RedisTier.MaxValueBytes]);
        tier.PutObject(overLimit, new byte[RedisTier.MaxValueBytes + 1]);

        Assert.Equal(RedisTier.MaxValueBytes, tier.GetObject(atLimit)?.Length);
        Assert.Null(tier.GetObject(overLimit));
    }

    [Fact]
    public async Task PutObject_PastMaxmemory_EvictsOlderValuesInsteadOfFailing()
    {
        // allkeys-lru: a full Redis drops what was used least, so writes keep succeeding and recent values stay.
        await using var redis = await RedisServer.StartAsync(maxMemory: "4mb", TestContext.Current.CancellationToken);
        using var tier = RedisTier.Connect(redis.Endpoint);
        var digests = Enumerable.Range(0, 24).Select(i => i.ToString("x64", System.Globalization.CultureInfo.InvariantCulture)).ToList();

        foreach (var digest in digests)
        {
            tier.PutObject(digest, new byte[512 << 10]);
        }

        Assert.NotNull(tier.GetObject(digests[^1]));
        Assert.Contains(digests, d => tier.GetObject(d) is null);
    }

    [Fact]
    public void Run_RedisDown_CompilesStoresLocallyAndCountsAConnectError()
    {
        using var temp = Project();
        var nothingListens = $"127.0.0.1:{Loopback.PickFreePort()}";
        var settings = TestSettings.Local(temp.Combine("cache"), ("FARM_CACHE_REDIS", nothingListens));

        var run = Compile(temp, settings);

        Assert.True(run.Has("error redis connect") && run.Missed, run.ToString());
        Assert.True(File.Exists(temp.Combine("a.o")));
        Assert.True(Compile(temp, settings).Has("hit local"));
    }

    [Fact]
    public async Task Run_RedisKilledAfterConnecting_IsAMissNotAFailure()
    {
        await using var redis = await RedisServer.StartAsync(ct: TestContext.Current.CancellationToken);
        using var temp = Project();
        var settings = Settings(temp, "worker-a", redis);
        var events = new CacheEvents(settings.Directory);
        using var tier = RedisTier.Connect(redis.Endpoint);
        var cache = new TieredCache([new LocalDiskTier(settings.Directory!, settings.MaxSizeBytes), tier], events);
        redis.Kill();
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();

        var exitCode = new CachedCompile(settings, cache, events, stdout, stderr, temp.Path).Run(CompileRun.Gcc, ["-O2", "-c", "a.c", "-o", "a.o"]);

        Assert.Equal(0, exitCode);
        Assert.Empty(stderr.ToString());
        Assert.True(File.Exists(temp.Combine("a.o")));
        Assert.Contains(events.Lines, e => e.StartsWith("miss", StringComparison.Ordinal));
        Assert.Contains(events.Lines, e => e.StartsWith("error redis ", StringComparison.Ordinal));
        Assert.Single(CacheLayout.ActionKeys(settings.Directory!));
    }

    [Fact]
    public async Task Run_ReadOnlyMiss_WritesNothingToRedis()
    {
        await using var redis = await RedisServer.StartAsync(ct: TestContext.Current.CancellationToken);
        using var temp = Project();
        var settings = Settings(temp, "worker-a", redis, ("FARM_CACHE_READONLY", "1"));

        var run = Compile(temp, settings);

        Assert.True(run.Missed, run.ToString());
        Assert.Empty(redis.Keys());
        Assert.Empty(CacheLayout.EntryFiles(settings.Directory!));
    }

    [Fact]
    public async Task Run_ReadOnlyHitFromRedis_WritesNothingToLocalDisk()
    {
        // FARM_CACHE_READONLY is "never write"; promoting a Redis hit to local disk is a write.
        await using var redis = await RedisServer.StartAsync(ct: TestContext.Current.CancellationToken);
        using var temp = Project();
        Compile(temp, Settings(temp, "worker-a", redis));
        var readOnly = Settings(temp, "worker-b", redis, ("FARM_CACHE_READONLY", "1"));

        var run = Compile(temp, readOnly);

        Assert.True(run.Has("hit redis"), run.ToString());
        Assert.Empty(CacheLayout.EntryFiles(readOnly.Directory!));
    }

    private static TempDirectory Project()
    {
        var temp = new TempDirectory();
        temp.Write("a.c", Source);
        return temp;
    }

    /// <summary>A worker's settings: its own local disk under <paramref name="worker"/>, the shared Redis.</summary>
    private static CacheSettings Settings(TempDirectory temp, string worker, RedisServer redis, params (string, string?)[] more) =>
        TestSettings.Local(temp.Combine(worker), [("FARM_CACHE_REDIS", redis.Endpoint), .. more]);

    private static CompileRun Compile(TempDirectory temp, CacheSettings settings)
    {
        var run = CompileRun.Of(settings, temp.Path, "-O2", "-c", "a.c", "-o", "a.o");
        Assert.True(run.ExitCode == 0, run.ToString());
        return run;
    }
}
