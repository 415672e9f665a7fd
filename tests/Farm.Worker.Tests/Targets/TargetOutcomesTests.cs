using Farm.Cache.Stats;
using Farm.Core.Builds;
using Farm.Worker.Pipeline;
using Farm.Worker.Smoke;
using Farm.Worker.Targets;

namespace Farm.Worker.Tests.Targets;

/// <summary>What the store records of a target from its pipeline's result: the state, the reason and the figures a user reads.</summary>
public sealed class TargetOutcomesTests
{
    private static TargetResult Result(string? failure, SmokeResult? smoke, string? skip = null) =>
        new("hello", "qemu", "x86_64", failure is null && skip is null ? "hello_qemu-x86_64" : null, null, 12.5, null, smoke, failure) { SkipReason = skip };

    [Fact]
    public void NotSucceeded_BuiltButNotBootableHere_IsSkippedWithTheReason()
    {
        var outcome = TargetOutcomes.NotSucceeded(Result(null, SmokeResult.Unavailable("qemu", "no KVM"), skip: "cannot boot qemu/x86_64 here"));

        Assert.Equal(TargetState.Skipped, outcome.State);
        Assert.Equal("cannot boot qemu/x86_64 here", outcome.Reason);
        Assert.Equal(12.5, outcome.BuildSeconds);
    }

    [Fact]
    public void NotSucceeded_SmokeFailure_IsFailedWithBootTime()
    {
        var smoke = new SmokeResult(SmokeStatus.Failed, "qemu", TimeSpan.FromSeconds(3), "no output", string.Empty);

        var outcome = TargetOutcomes.NotSucceeded(Result("smoke test failed (qemu): no output", smoke));

        Assert.Equal(TargetState.Failed, outcome.State);
        Assert.Equal("smoke test failed (qemu): no output", outcome.Reason);
        Assert.Equal(3, outcome.BootSeconds);
    }

    [Fact]
    public void NotSucceeded_FailedAndSkipped_IsFailed()
    {
        Assert.Equal(TargetState.Failed, TargetOutcomes.NotSucceeded(Result("compile error", null, skip: "also not bootable")).State);
    }

    [Fact]
    public void Published_CountsTheObjectCache_AndErrorsOfEveryTier()
    {
        using var temp = new TempDirectory();
        var events = temp.Combine("events");
        File.WriteAllLines(events, ["hit local k1", "miss k2", "error redis get"]);
        var statistics = CacheStatistics.Read(events);
        var result = Result(null, new SmokeResult(SmokeStatus.Passed, "qemu", TimeSpan.FromSeconds(1.234), null, string.Empty)) with { Cache = statistics };

        var outcome = TargetOutcomes.Published(new TargetOutcome(TargetState.Succeeded, null) { ManifestDigest = "sha256:1" }, result);

        Assert.Equal("sha256:1", outcome.ManifestDigest);
        Assert.Equal(1, outcome.CacheHits);
        Assert.Equal(1, outcome.CacheMisses);
        Assert.Equal(1, outcome.CacheErrors);
        Assert.Equal(new TierUse(1, 0, 0), outcome.CacheTiers["local"]);
        Assert.Equal(new TierUse(0, 1, 0), outcome.CacheTiers["redis"]);
        Assert.Equal(1.23, outcome.BootSeconds);
    }

    [Fact]
    public void Published_NotBooted_HasNoBootTime()
    {
        var outcome = TargetOutcomes.Published(new TargetOutcome(TargetState.Succeeded, null), Result(null, SmokeResult.Skipped("smoke off")));

        Assert.Null(outcome.BootSeconds);
        Assert.Equal(12.5, outcome.BuildSeconds);
    }
}
