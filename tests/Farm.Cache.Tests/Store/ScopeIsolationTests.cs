using System.Security.Cryptography;
using Farm.Cache.Stats;
using Farm.Cache.Store;
using Farm.Cache.Tests.Support;

namespace Farm.Cache.Tests.Store;

/// <summary>
/// Trusted builds (FARM_CACHE_SCOPE empty) and an untrusted one (FARM_CACHE_SCOPE=pr-42) sharing a local disk or a
/// Redis: the untrusted build reads what trusted builds wrote, and nothing it writes, even an entry forged for a key
/// trusted builds use, reaches a trusted build.
/// </summary>
public sealed class ScopeIsolationTests
{
    private const string Untrusted = "pr-42";
    private static readonly byte[] Poison = "not the object gcc wrote"u8.ToArray();

    [Fact]
    public void Run_UntrustedBuild_HitsWhatATrustedBuildWrote()
    {
        using var temp = Project();
        var cache = temp.Combine("cache");
        Compile(temp, TestSettings.Local(cache));

        var run = Compile(temp, TestSettings.Local(cache, ("FARM_CACHE_SCOPE", Untrusted)));

        Assert.True(run.Has("hit local"), run.ToString());
    }

    [Fact]
    public void Run_UntrustedBuildMiss_WritesOnlyItsOwnScopeAndATrustedBuildMisses()
    {
        using var temp = Project();
        var cache = temp.Combine("cache");
        Compile(temp, TestSettings.Local(cache, ("FARM_CACHE_SCOPE", Untrusted)));

        var trusted = Compile(temp, TestSettings.Local(cache));

        Assert.Single(CacheLayout.ActionKeys(cache, "untrusted-pr-42"));
        Assert.True(trusted.Missed, trusted.ToString());
    }

    [Fact]
    public void Run_UntrustedScopePoisonedAfterATrustedBuild_TrustedBuildStillGetsTheCorrectObject()
    {
        using var temp = Project();
        var cache = temp.Combine("cache");
        Compile(temp, TestSettings.Local(cache));
        var correct = File.ReadAllBytes(temp.Combine("a.o"));
        var key = Assert.Single(CacheLayout.ActionKeys(cache));
        PoisonAsUntrusted(new LocalDiskTier(cache, CacheSettings.DefaultMaxSize), key);

        var untrusted = Compile(temp, TestSettings.Local(cache, ("FARM_CACHE_SCOPE", Untrusted)));
        var poisoned = File.ReadAllBytes(temp.Combine("a.o"));
        var trusted = Compile(temp, TestSettings.Local(cache));

        Assert.True(untrusted.Has("hit local") && poisoned.SequenceEqual(Poison), "the forged entry is live in its own scope");
        Assert.True(trusted.Has("hit local"), trusted.ToString());
        Assert.Equal(correct, File.ReadAllBytes(temp.Combine("a.o")));
    }

    [Fact]
    public void Run_UntrustedScopePoisonedBeforeAnyTrustedBuild_TrustedBuildCompilesTheCorrectObject()
    {
        using var temp = Project();
        var cache = temp.Combine("cache");
        Compile(temp, TestSettings.Local(cache, ("FARM_CACHE_SCOPE", Untrusted)));
        var correct = File.ReadAllBytes(temp.Combine("a.o"));
        PoisonAsUntrusted(new LocalDiskTier(cache, CacheSettings.DefaultMaxSize), Assert.Single(CacheLayout.ActionKeys(cache, "untrusted-pr-42")));

        var trusted = Compile(temp, TestSettings.Local(cache));

        Assert.True(trusted.Missed, trusted.ToString());
        Assert.Equal(correct, File.ReadAllBytes(temp.Combine("a.o")));
    }

    [Fact]
    public async Task Run_UntrustedScopePoisonedInRedis_TrustedWorkerWithEmptyDiskGetsTheCorrectObject()
    {
        await using var redis = await RedisServer.StartAsync(ct: TestContext.Current.CancellationToken);
        using var temp = Project();
        var trustedA = Worker(temp, "trusted-a", redis);
        Compile(temp, trustedA);
        var correct = File.ReadAllBytes(temp.Combine("a.o"));
        using (var tier = RedisTier.Connect(redis.Endpoint))
        {
            PoisonAsUntrusted(tier, Assert.Single(CacheLayout.ActionKeys(trustedA.Directory!)));
        }

        var untrusted = Compile(temp, Worker(temp, "untrusted", redis, ("FARM_CACHE_SCOPE", Untrusted)));
        var poisoned = File.ReadAllBytes(temp.Combine("a.o"));
        var trustedB = Compile(temp, Worker(temp, "trusted-b", redis));

        Assert.True(untrusted.Has("hit redis") && poisoned.SequenceEqual(Poison), "the forged entry is live in its own scope");
        Assert.True(trustedB.Has("hit redis"), trustedB.ToString());
        Assert.Equal(correct, File.ReadAllBytes(temp.Combine("a.o")));
    }

    [Fact]
    public async Task Run_UntrustedBuildMissWithRedis_WritesNoSharedKey()
    {
        await using var redis = await RedisServer.StartAsync(ct: TestContext.Current.CancellationToken);
        using var temp = Project();

        Compile(temp, Worker(temp, "untrusted", redis, ("FARM_CACHE_SCOPE", Untrusted)));

        Assert.Empty(redis.Keys("farm:v1:ac:trusted:*"));
        Assert.Single(redis.Keys("farm:v1:ac:untrusted-pr-42:*"));
    }

    /// <summary>
    /// What a hostile pull request can do with farm-cc's own code: put, in its scope, an entry for a key trusted builds
    /// use, naming an object of its choosing (valid for its digest, so verification passes).
    /// </summary>
    private static void PoisonAsUntrusted(ICacheTier tier, string key)
    {
        var entry = new ActionEntry(Convert.ToHexStringLower(SHA256.HashData(Poison)), Poison.Length, null, string.Empty);
        new TieredCache([tier], new CacheEvents(null)).Put(CacheScope.Parse(Untrusted), key, entry, Poison);
    }

    private static TempDirectory Project()
    {
        var temp = new TempDirectory();
        temp.Write("a.c", "int answer(void) { return 42; }\n");
        return temp;
    }

    private static CacheSettings Worker(TempDirectory temp, string name, RedisServer redis, params (string, string?)[] more) =>
        TestSettings.Local(temp.Combine(name), [("FARM_CACHE_REDIS", redis.Endpoint), .. more]);

    private static CompileRun Compile(TempDirectory temp, CacheSettings settings)
    {
        var run = CompileRun.Of(settings, temp.Path, "-O2", "-c", "a.c", "-o", "a.o");
        Assert.True(run.ExitCode == 0, run.ToString());
        return run;
    }
}
