using System.Security.Cryptography;
using Farm.Cache.Store;
using Farm.Cache.Tests.Support;
using Farm.Core.IO;
using Farm.Tests.Shared;

namespace Farm.Cache.Tests.Store;

public sealed class LocalDiskTierTests
{
    [Fact]
    public void PutThenGet_ActionAndObject_RoundTripUnderTheVersionedLayout()
    {
        using var temp = new TempDirectory();
        var tier = new LocalDiskTier(temp.Path, capBytes: 1 << 20);
        var content = "object bytes"u8.ToArray();
        var digest = Digest(content);
        var key = new string('e', 64);

        tier.PutObject(digest, content);
        tier.PutAction("trusted", key, [1, 2, 3]);

        Assert.Equal(content, tier.GetObject(digest));
        Assert.Equal([1, 2, 3], tier.GetAction("trusted", key));
        Assert.True(File.Exists(temp.Combine("v1", "cas", digest[..2], digest)));
        Assert.True(File.Exists(CacheLayout.ActionPath(temp.Path, key)));
    }

    [Fact]
    public async Task Get_EntryIsFifo_MissesWithoutHanging()
    {
        using var temp = new TempDirectory();
        var tier = new LocalDiskTier(temp.Path, capBytes: 1 << 20);
        var digest = new string('f', 64);
        Directory.CreateDirectory(temp.Combine("v1", "cas", "ff"));
        SpecialFiles.Fifo(temp.Combine("v1", "cas", "ff", digest));

        var got = await Task.Run(() => tier.GetObject(digest), TestContext.Current.CancellationToken).WaitAsync(TimeSpan.FromSeconds(30), TestContext.Current.CancellationToken);

        Assert.Null(got);
    }

    [Fact]
    public void Put_EntryIsSymlinkToOutsideFile_RefusedAndOutsideUnchanged()
    {
        using var temp = new TempDirectory();
        var tier = new LocalDiskTier(temp.Combine("cache"), capBytes: 1 << 20);
        var content = "object bytes"u8.ToArray();
        var digest = Digest(content);
        var outside = temp.Write("outside", "untouched");
        Directory.CreateDirectory(temp.Combine("cache", "v1", "cas", digest[..2]));
        File.CreateSymbolicLink(temp.Combine("cache", "v1", "cas", digest[..2], digest), outside);

        Assert.Throws<RefusedWriteException>(() => tier.PutObject(digest, content));

        Assert.Equal("untouched", File.ReadAllText(outside));
    }

    [Fact]
    public void Get_Missing_IsNull()
    {
        using var temp = new TempDirectory();
        var tier = new LocalDiskTier(temp.Path, capBytes: 1 << 20);

        Assert.Null(tier.GetObject(new string('0', 64)));
        Assert.Null(tier.GetAction("trusted", new string('0', 64)));
    }

    [Fact]
    public void PutAction_SameKeyInTwoScopes_KeptApart()
    {
        using var temp = new TempDirectory();
        var tier = new LocalDiskTier(temp.Path, capBytes: 1 << 20);
        var key = new string('a', 64);

        tier.PutAction("trusted", key, [1]);
        tier.PutAction("untrusted-pr-42", key, [2]);

        Assert.Equal([1], tier.GetAction("trusted", key));
        Assert.Equal([2], tier.GetAction("untrusted-pr-42", key));
    }

    [Fact]
    public void Evict_OverCap_RemovesLeastRecentlyUsedAndKeepsRecentlyRead()
    {
        using var temp = new TempDirectory();
        var tier = new LocalDiskTier(temp.Path, capBytes: 10_000);
        var digests = Enumerable.Range(0, 10).Select(i => Put(tier, i)).ToList();
        var hourAgo = DateTime.UtcNow.AddHours(-1);
        for (var i = 0; i < digests.Count; i++)
        {
            File.SetLastWriteTimeUtc(ObjectFile(temp, digests[i]), hourAgo.AddMinutes(i)); // 0 oldest, 9 newest
        }

        tier.GetObject(digests[0]);
        tier.GetObject(digests[1]);
        var newest = Put(tier, 10); // 11,000 bytes: over the cap, evicted down to 90 % (9,000)
        tier.Evict();

        Assert.Equal(digests[0], tier.GetObject(digests[0]) is { } zero ? Digest(zero) : null);
        Assert.NotNull(tier.GetObject(digests[1]));
        Assert.Null(tier.GetObject(digests[2]));
        Assert.Null(tier.GetObject(digests[3]));
        Assert.All(digests.Skip(4).Append(newest), d => Assert.NotNull(tier.GetObject(d)));
    }

    [Fact]
    public void Put_OverCap_ScansAtMostOncePerInterval()
    {
        using var temp = new TempDirectory();
        var tier = new LocalDiskTier(temp.Path, capBytes: 1);
        var stamp = temp.Combine("v1", ".evicted");
        PutNumbered(tier, 0);
        File.WriteAllBytes(stamp, []);

        // A scan ran a moment ago: thousands of writes over the cap scan nothing (each 64th write would, unthrottled).
        var kept = Enumerable.Range(1, 2000).Select(i => PutNumbered(tier, i)).ToList();
        Assert.All(kept, d => Assert.NotNull(tier.GetObject(d)));

        // The last scan is older than the interval: the writes that follow scan again, and the tier shrinks.
        File.SetLastWriteTimeUtc(stamp, DateTime.UtcNow - LocalDiskTier.EvictionInterval - TimeSpan.FromSeconds(1));
        foreach (var i in Enumerable.Range(2001, 2000))
        {
            PutNumbered(tier, i);
        }

        Assert.True(File.GetLastWriteTimeUtc(stamp) > DateTime.UtcNow - LocalDiskTier.EvictionInterval, "no scan after the interval");
        Assert.True(Directory.EnumerateFiles(temp.Combine("v1", "cas"), "*", SearchOption.AllDirectories).Count() < 4001, "the scan removed nothing");
    }

    /// <summary>An object of its own for each number (the 1,000 bytes of <see cref="Put"/> repeat after 256).</summary>
    private static string PutNumbered(LocalDiskTier tier, int number)
    {
        var content = BitConverter.GetBytes(number);
        var digest = Digest(content);
        tier.PutObject(digest, content);
        return digest;
    }

    [Fact]
    public void Evict_UnderCap_RemovesNothing()
    {
        using var temp = new TempDirectory();
        var tier = new LocalDiskTier(temp.Path, capBytes: 10_000);
        var digests = Enumerable.Range(0, 10).Select(i => Put(tier, i)).ToList();

        tier.Evict();

        Assert.All(digests, d => Assert.NotNull(tier.GetObject(d)));
    }

    [Fact]
    public void Evict_NothingWrittenYet_DoesNothing()
    {
        using var temp = new TempDirectory();

        new LocalDiskTier(temp.Combine("never-written"), capBytes: 1).Evict();

        Assert.False(Directory.Exists(temp.Combine("never-written")));
    }

    /// <summary>Puts a 1,000-byte object, different for each <paramref name="seed"/>; returns its digest.</summary>
    private static string Put(LocalDiskTier tier, int seed)
    {
        var content = Enumerable.Repeat((byte)seed, 1000).ToArray();
        var digest = Digest(content);
        tier.PutObject(digest, content);
        return digest;
    }

    private static string ObjectFile(TempDirectory temp, string digest) => temp.Combine("v1", "cas", digest[..2], digest);

    private static string Digest(byte[] content) => Convert.ToHexStringLower(SHA256.HashData(content));
}
