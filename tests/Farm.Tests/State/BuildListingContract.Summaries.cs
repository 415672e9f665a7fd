using Farm.Core.Builds;
using Farm.State.Postgres;
using Farm.Tests.Support;
using Npgsql;

namespace Farm.Tests.State;

/// <summary>The summaries the workers, cache and catalog pages read, one contract for both stores.</summary>
public abstract partial class BuildListingContract
{
    [Fact]
    public async Task ListRecentTargetsByWorker_IsEachWorkersLastJobs_AsTheOneWorkerListGivesThem()
    {
        var store = await StoreAsync();
        var build = new BuildRecord("w1", "app", "Kraftfile", "reg/app:1", "trusted", T0);
        var names = Enumerable.Range(0, 7).Select(i => $"app_qemu-x86_64-{i}").ToList();
        await store.CreateAsync(build, [.. names.Select(n => new TargetRecord("w1", n, "app", "qemu", "x86_64", "qemu-x86_64"))], Ct);
        string[] workers = ["x86", "arm", "x86", "x86", "arm", "x86"];
        for (var i = 0; i < workers.Length; i++)
        {
            await store.StartTargetAsync("w1", names[i], workers[i], 0, Ct);
            await store.CompleteTargetAsync("w1", names[i], new TargetOutcome(i == 3 ? TargetState.Failed : TargetState.Succeeded, null), Ct);
            await Task.Delay(15, Ct);
        }

        await store.StartTargetAsync("w1", names[6], "x86", 0, Ct); // running: not one of the last jobs, but running now

        var recent = await store.ListRecentTargetsByWorkerAsync(["x86", "arm", "gone"], 3, Ct);
        var running = await store.ListRunningTargetsAsync(Ct);

        foreach (var worker in new[] { "x86", "arm" })
        {
            var alone = await store.ListTargetsAsync(new TargetQuery { Worker = worker, Limit = 3 }, Ct);
            Assert.Equal(alone.Select(e => e.Target.Name), recent.Where(e => e.Target.Worker == worker).Select(e => e.Target.Name));
        }

        Assert.Equal([names[5], names[3], names[2]], recent.Where(e => e.Target.Worker == "x86").Select(e => e.Target.Name));
        Assert.Equal(2, recent.Count(e => e.Target.Worker == "arm"));
        Assert.Equal(5, recent.Count);
        Assert.All(recent, e => Assert.Equal("app", e.App));
        Assert.Empty(await store.ListRecentTargetsByWorkerAsync([], 3, Ct));
        var now = Assert.Single(running);
        Assert.Equal((names[6], "x86", "app"), (now.Target.Name, now.Target.Worker, now.App));
    }

    [Fact]
    public async Task SummarizeCache_SumsFinishedTargetsPerDayAndPerBuild_LastFinishedBuildsFirst()
    {
        var store = await StoreAsync();
        async Task Build(string id, string app, params (long Hits, long Misses, long Errors, bool Cached, TargetState State)[] targets)
        {
            var records = targets.Select((_, i) => new TargetRecord(id, $"{app}_{i}", app, "qemu", "x86_64", "qemu-x86_64")).ToList();
            await store.CreateAsync(new BuildRecord(id, app, "Kraftfile", "reg/app:1", "trusted", T0), records, Ct);
            foreach (var (record, t) in records.Zip(targets))
            {
                await store.StartTargetAsync(id, record.Name, "x86", 0, Ct);
                await store.CompleteTargetAsync(id, record.Name, new TargetOutcome(t.State, null) { CacheHits = t.Hits, CacheMisses = t.Misses, CacheErrors = t.Errors, Cached = t.Cached }, Ct);
            }

            await Task.Delay(15, Ct);
        }

        await Build("c1", "alpha", (10, 2, 0, false, TargetState.Succeeded), (0, 0, 0, true, TargetState.Succeeded));
        await Build("c2", "beta", (4, 6, 3, false, TargetState.Failed));
        await Build("c3", "gamma", (100, 0, 0, false, TargetState.Skipped));
        var summary = await store.SummarizeCacheAsync(2, 1, Ct);
        var all = await store.SummarizeCacheAsync(2, 10, Ct);

        // Skipped targets neither hit nor missed: only succeeded and failed ones count.
        var total = (Hits: summary.Days.Sum(d => d.Hits), Misses: summary.Days.Sum(d => d.Misses), Errors: summary.Days.Sum(d => d.Errors), Targets: summary.Days.Sum(d => d.Targets), TargetHits: summary.Days.Sum(d => d.TargetHits));
        Assert.Equal((14L, 8L, 3L, 3, 1), total);
        Assert.All(summary.Days, d => Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", d.Key));
        var last = Assert.Single(summary.Builds);
        Assert.Equal(("c2", "beta", 4L, 6L, 3L, 1, 0), (last.Key, last.App, last.Hits, last.Misses, last.Errors, last.Targets, last.TargetHits));
        Assert.Equal(["c2", "c1"], all.Builds.Select(b => b.Key));
        Assert.Equal((10L, 2L, 2, 1), (all.Builds[1].Hits, all.Builds[1].Misses, all.Builds[1].Targets, all.Builds[1].TargetHits));

    }

    [Fact]
    public async Task SummarizeCache_SumsEachTierAndTheRootfsCache_AndKeepsOnlyKnownTiers()
    {
        var store = await StoreAsync();
        await store.CreateAsync(new BuildRecord("r1", "app", "Kraftfile", "reg/app:1", "trusted", T0), [new TargetRecord("r1", "a", "app", "qemu", "x86_64", "q"), new TargetRecord("r1", "b", "app", "qemu", "x86_64", "q"), new TargetRecord("r1", "c", "app", "qemu", "x86_64", "q")], Ct);
        (string Name, bool? Rootfs, Dictionary<string, TierUse> Tiers)[] done =
        [
            ("a", true, new() { ["local"] = new(5, 0, 500), ["redis"] = new(2, 1, 200) }),
            ("b", false, new() { ["redis"] = new(3, 0, 300), ["registry"] = new(1, 4, 100), ["<script>"] = new(99, 99, 99) }),
            ("c", null, new()),
        ];
        foreach (var (name, rootfs, tiers) in done)
        {
            await store.StartTargetAsync("r1", name, "x86", 0, Ct);
            await store.CompleteTargetAsync("r1", name, new TargetOutcome(TargetState.Succeeded, null) { CacheHits = tiers.Values.Sum(t => t.Hits), CacheMisses = 4, CacheTiers = tiers, RootfsCached = rootfs }, Ct);
        }

        var summary = await store.SummarizeCacheAsync(2, 5, Ct);
        var build = Assert.Single(summary.Builds);
        var day = Assert.Single(summary.Days);

        foreach (var usage in new[] { build, day })
        {
            Assert.Equal(["local", "redis", "registry"], usage.Tiers.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(new TierUse(5, 0, 500), usage.Tiers["local"]);
            Assert.Equal(new TierUse(5, 1, 500), usage.Tiers["redis"]);
            Assert.Equal(new TierUse(1, 4, 100), usage.Tiers["registry"]);
            Assert.Equal((2, 1), (usage.RootfsTargets, usage.RootfsHits));
        }

        var stored = (await store.GetTargetsAsync("r1", Ct)).Single(t => t.Name == "b");
        Assert.Equal(["redis", "registry"], stored.CacheTiers.Keys.Order(StringComparer.Ordinal));
        Assert.False(stored.RootfsCached);
    }

    [Fact]
    public async Task ListLatestPerApp_KeepsEachAppsNewestRuns_OfThatTriggerOnly()
    {
        var store = await StoreAsync();
        async Task Add(string id, string app, int minutes, string trigger) =>
            await store.CreateAsync(new BuildRecord(id, app, "Kraftfile", "reg/app:1", "trusted", T0.AddMinutes(minutes)) { Trigger = trigger }, [new TargetRecord(id, $"{app}_qemu-x86_64", app, "qemu", "x86_64", "qemu-x86_64")], Ct);

        for (var i = 0; i < 5; i++)
        {
            await Add($"often{i}", "often", 10 + i, BuildTriggers.Nightly);
        }

        await Add("rare0", "rare", 1, BuildTriggers.Nightly);
        await Add("rare1", "rare", 2, BuildTriggers.Nightly);
        await Add("rare-api", "rare", 30, BuildTriggers.Api);

        var latest = await store.ListLatestPerAppAsync(BuildTriggers.Nightly, 3, null, Ct);
        var rare = await store.ListLatestPerAppAsync(BuildTriggers.Nightly, 3, "rare", Ct);

        Assert.Equal(["often4", "often3", "often2", "rare1", "rare0"], latest.Select(b => b.Build.Id));
        Assert.All(latest, b => Assert.Equal($"{b.Build.App}_qemu-x86_64", Assert.Single(b.Targets).Name));
        Assert.Equal(["rare1", "rare0"], rare.Select(b => b.Build.Id));
        Assert.Empty(await store.ListLatestPerAppAsync(BuildTriggers.Webhook, 3, null, Ct));
    }
}
