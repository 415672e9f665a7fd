using Farm.Cache.Stats;
using Farm.Cache.Tests.Support;

namespace Farm.Cache.Tests.Stats;

public sealed class CacheEventsTests
{
    [Fact]
    public void Flush_EveryKindOfEvent_AppendsOneLineEachWithReasonsAsOneWord()
    {
        using var temp = new TempDirectory();
        var events = new CacheEvents(temp.Path);
        events.Hit("redis", "k1");
        events.Miss("k2");
        events.Stored("trusted", "k2");
        events.Uncacheable("-E (not a compile\nto an object)");
        events.Error("redis", "connect");
        events.Corrupt("local");
        events.Bytes("local", 1234);

        events.Flush();
        new CacheEvents(temp.Path).Flush(); // nothing to say: nothing appended

        Assert.Equal(
            ["hit redis k1", "miss k2", "stored trusted k2", "uncacheable -E_(not_a_compile_to_an_object)", "error redis connect", "corrupt local", "bytes local 1234"],
            File.ReadAllLines(temp.Combine("stats", "events.log")));
    }

    [Fact]
    public void Flush_TwoRuns_AppendInOrder()
    {
        using var temp = new TempDirectory();
        var first = new CacheEvents(temp.Path);
        first.Miss("a");
        var second = new CacheEvents(temp.Path);
        second.Hit("local", "b");

        first.Flush();
        second.Flush();

        Assert.Equal(["miss a", "hit local b"], File.ReadAllLines(temp.Combine("stats", "events.log")));
    }

    [Fact]
    public void Flush_ManyCompilesAtOnce_NoLineLost()
    {
        // make -j runs farm-cc many times at once, each appending its lines; the worker reads them back for the
        // target's counters and the keys to publish, so a lost line is a lost count and an unpublished entry.
        using var temp = new TempDirectory();
        const int Writers = 8;
        const int Runs = 300;

        Parallel.For(0, Writers, writer =>
        {
            for (var run = 0; run < Runs; run++)
            {
                var events = new CacheEvents(temp.Path);
                events.Miss($"{writer}-{run}");
                events.Stored("trusted", $"{writer}-{run}");
                events.Flush();
            }
        });

        var lines = File.ReadAllLines(temp.Combine("stats", "events.log"));
        Assert.Equal(Writers * Runs * 2, lines.Length);
        Assert.All(lines, line => Assert.Matches("^(miss|stored trusted) [0-9]+-[0-9]+$", line));
    }

    [Fact]
    public void Flush_TargetLog_GetsTheSameLines()
    {
        using var temp = new TempDirectory();
        var events = new CacheEvents(temp.Combine("cache"), temp.Combine("target", "events.log"));
        events.Miss("k");

        events.Flush();

        Assert.Equal(["miss k"], File.ReadAllLines(temp.Combine("target", "events.log")));
        Assert.Equal(["miss k"], File.ReadAllLines(temp.Combine("cache", "stats", "events.log")));
    }

    [Fact]
    public void Flush_LogCannotBeWritten_DoesNotThrow()
    {
        using var temp = new TempDirectory();
        temp.Write("stats", "a file where the stats directory should be\n");
        var events = new CacheEvents(temp.Path);
        events.Miss("k");

        events.Flush();

        Assert.True(File.Exists(temp.Combine("stats")));
    }

    [Fact]
    public void Read_EventsLog_SumsHitsMissesReasonsAndTierCounters()
    {
        using var temp = new TempDirectory();
        var log = temp.Write("events.log", string.Join('\n',
            "hit local k1", "hit redis k2", "bytes redis 100", "miss k3", "stored trusted k3", "uncacheable @file_arguments",
            "uncacheable @file_arguments", "error redis connect", "corrupt local") + "\n");

        var statistics = CacheStatistics.Read(log);

        Assert.Equal((2, 1, 2, 1), (statistics.Hits, statistics.Misses, statistics.Uncacheable, statistics.Stored));
        Assert.Equal(2, statistics.UncacheableReasons["@file_arguments"]);
        Assert.Equal((1, 1, 100), (statistics.Tiers["redis"].Hits, statistics.Tiers["redis"].Errors, statistics.Tiers["redis"].BytesRead));
        Assert.Equal(1, statistics.Tiers["local"].Corrupt);
        Assert.Equal(2.0 / 3, statistics.HitRate, precision: 6);
    }
}
