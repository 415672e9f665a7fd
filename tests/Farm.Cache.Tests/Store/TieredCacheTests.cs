using System.Security.Cryptography;
using Farm.Cache.Stats;
using Farm.Cache.Store;
using Farm.Cache.Tests.Support;

namespace Farm.Cache.Tests.Store;

/// <summary>Reads through the tiers: promotion, verification, and every tier error turned into a counted miss.</summary>
public sealed class TieredCacheTests
{
    private const string Source = "int answer(void) { return 42; }\n";

    [Fact]
    public void Run_CorruptObjectOnLocalDisk_DeletedCountedAndCompiledAsAMiss()
    {
        using var temp = new TempDirectory();
        temp.Write("a.c", Source);
        var settings = TestSettings.Local(temp.Combine("cache"));
        Compile(settings, temp);
        var expected = File.ReadAllBytes(temp.Combine("a.o"));
        var stored = Assert.Single(CacheLayout.ObjectPaths(settings.Directory!));
        var bytes = File.ReadAllBytes(stored);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(stored, bytes);

        var run = Compile(settings, temp);

        Assert.True(run.Has("corrupt local") && run.Missed, run.ToString());
        Assert.Equal(expected, File.ReadAllBytes(temp.Combine("a.o")));
        Assert.True(Compile(settings, temp).Has("hit local"), "the miss stores the object again");
    }

    [Fact]
    public void Run_TruncatedActionEntryOnLocalDisk_DeletedCountedAndCompiledAsAMiss()
    {
        using var temp = new TempDirectory();
        temp.Write("a.c", Source);
        var settings = TestSettings.Local(temp.Combine("cache"));
        Compile(settings, temp);
        var expected = File.ReadAllBytes(temp.Combine("a.o"));
        var entry = CacheLayout.ActionPath(settings.Directory!, Assert.Single(CacheLayout.ActionKeys(settings.Directory!)));
        var length = new FileInfo(entry).Length;
        using (var stream = new FileStream(entry, FileMode.Open))
        {
            stream.SetLength(length / 2);
        }

        var run = Compile(settings, temp);

        Assert.True(run.Has("corrupt local") && run.Missed, run.ToString());
        Assert.Equal(expected, File.ReadAllBytes(temp.Combine("a.o")));
        Assert.Equal(length, new FileInfo(entry).Length);
        Assert.True(Compile(settings, temp).Has("hit local"), "the miss stores the entry again");
    }

    [Fact]
    public void TryGet_HitInLowerTier_PromotedIntoTheScopeItCameFrom()
    {
        using var temp = new TempDirectory();
        var upper = new LocalDiskTier(temp.Combine("upper"), 1 << 20);
        var lower = new LocalDiskTier(temp.Combine("lower"), 1 << 20);
        var (key, entry, content) = Sample();
        new TieredCache([lower], new CacheEvents(null)).Put(CacheScope.TrustedScope, key, entry, content);
        var events = new CacheEvents(null);

        var hit = new TieredCache([upper, lower], events).TryGet(CacheScope.Parse("pr-42"), key);

        Assert.Equal("local", hit?.Tier);
        Assert.Equal(content, hit?.Object);
        Assert.Equal(content, upper.GetObject(entry.ObjectDigest));
        Assert.NotNull(upper.GetAction("trusted", key));
        Assert.Null(upper.GetAction("untrusted-pr-42", key));
    }

    [Fact]
    public void TryGet_ObjectMissing_IsAMissNotCorrupt()
    {
        using var temp = new TempDirectory();
        var tier = new LocalDiskTier(temp.Path, 1 << 20);
        var (key, entry, _) = Sample();
        tier.PutAction("trusted", key, entry.ToBytes());
        var events = new CacheEvents(null);

        Assert.Null(new TieredCache([tier], events).TryGet(CacheScope.TrustedScope, key));
        Assert.Empty(events.Lines);
        Assert.NotNull(tier.GetAction("trusted", key));
    }

    [Fact]
    public void TryGetAndPut_TierThrows_CountedAsErrorsAndTheOtherTierStillServes()
    {
        using var temp = new TempDirectory();
        var local = new LocalDiskTier(temp.Path, 1 << 20);
        var events = new CacheEvents(null);
        var cache = new TieredCache([local, new BrokenTier()], events);
        var (key, entry, content) = Sample();

        Assert.Null(cache.TryGet(CacheScope.TrustedScope, key));
        cache.Put(CacheScope.TrustedScope, key, entry, content);

        Assert.Equal(["error broken IOException", "error broken IOException"], events.Lines);
        Assert.Equal(content, cache.TryGet(CacheScope.TrustedScope, key)?.Object);
    }

    private static CompileRun Compile(CacheSettings settings, TempDirectory temp)
    {
        var run = CompileRun.Of(settings, temp.Path, "-O2", "-c", "a.c", "-o", "a.o");
        Assert.True(run.ExitCode == 0, run.ToString());
        return run;
    }

    private static (string Key, ActionEntry Entry, byte[] Content) Sample()
    {
        var content = "an object"u8.ToArray();
        return (new string('a', 64), new ActionEntry(Convert.ToHexStringLower(SHA256.HashData(content)), content.Length, null, string.Empty), content);
    }

    /// <summary>A tier whose every call fails, as a full disk or a dropped connection does.</summary>
    private sealed class BrokenTier : ICacheTier
    {
        public string Name => "broken";

        public byte[]? GetAction(string scope, string key) => throw new IOException("broken");

        public void PutAction(string scope, string key, byte[] entry) => throw new IOException("broken");

        public byte[]? GetObject(string digest) => throw new IOException("broken");

        public void PutObject(string digest, byte[] content) => throw new IOException("broken");

        public void DeleteAction(string scope, string key) => throw new IOException("broken");

        public void DeleteObject(string digest) => throw new IOException("broken");
    }
}
