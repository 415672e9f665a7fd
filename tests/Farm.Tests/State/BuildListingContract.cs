using Farm.Core.Builds;
using Farm.State.Postgres;
using Farm.Tests.Support;
using Npgsql;

namespace Farm.Tests.State;

/// <summary>
/// The dashboard's lists, one contract for both stores: each filter keeps exactly the builds it names, pages walk every
/// build once newest first, free text finds app, repository and commit and treats LIKE's wildcards as text.
/// </summary>
public abstract class BuildListingContract
{
    private static readonly DateTimeOffset T0 = new(2026, 11, 1, 12, 0, 0, TimeSpan.Zero);

    protected static CancellationToken Ct => TestContext.Current.CancellationToken;

    protected abstract Task<IBuildStore> StoreAsync();

    private static async Task<IBuildStore> SeedAsync(IBuildStore store)
    {
        async Task Add(string id, int minutes, string app, string trigger, string? branch, string? git, string? commit, (string Platform, string Worker)[] targets, BuildState state = BuildState.Queued)
        {
            var build = new BuildRecord(id, app, "Kraftfile", "reg/app:1", "trusted", T0.AddMinutes(minutes)) { Trigger = trigger, Branch = branch, GitUrl = git, GitCommit = commit, State = state };
            var records = targets.Select(t => new TargetRecord(id, $"{app}_{t.Platform.Replace('/', '-')}", app, t.Platform.Split('/')[0], t.Platform.Split('/')[1], t.Platform.Replace('/', '-'))).ToList();
            await store.CreateAsync(build, records, Ct);
            foreach (var (target, worker) in records.Zip(targets.Select(t => t.Worker)))
            {
                await store.StartTargetAsync(id, target.Name, worker, 0, Ct);
            }
        }

        await Add("b1", 1, "helloworld", BuildTriggers.Api, "main", "https://github.com/org/cat.git", "aaaa1111", [("qemu/x86_64", "x86"), ("qemu/arm64", "arm")]);
        await Add("b2", 2, "calculator", BuildTriggers.Webhook, "feature", "https://github.com/org/cat.git", "bbbb2222", [("qemu/x86_64", "x86")]);
        await Add("b3", 3, "helloworld", BuildTriggers.Nightly, "main", "https://github.com/other/apps.git", "cccc3333", [("fc/x86_64", "fc1")]);
        await Add("b4", 4, "100%_app", BuildTriggers.Action, null, null, null, [("linuxu/x86_64", "x86")]);
        await Add("b5", 5, "httpserver", BuildTriggers.Api, null, "https://github.com/org/cat.git", "dddd4444", []);
        await store.CancelAsync("b5", Ct);
        return store;
    }

    private static async Task<string[]> IdsAsync(IBuildStore store, BuildQuery query) =>
        [.. (await store.ListBuildsAsync(query, Ct)).Builds.Select(b => b.Build.Id)];

    [Fact]
    public async Task ListBuilds_EachFilter_KeepsExactlyTheBuildsItNames_NewestFirst()
    {
        var store = await SeedAsync(await StoreAsync());

        Assert.Equal(["b5", "b4", "b3", "b2", "b1"], await IdsAsync(store, new BuildQuery()));
        Assert.Equal(["b5"], await IdsAsync(store, new BuildQuery { State = BuildState.Cancelled }));
        Assert.Equal(["b4", "b3", "b2", "b1"], await IdsAsync(store, new BuildQuery { State = BuildState.Running }));
        Assert.Equal(["b3", "b1"], await IdsAsync(store, new BuildQuery { App = "helloworld" }));
        Assert.Equal(["b5", "b2", "b1"], await IdsAsync(store, new BuildQuery { Repository = "https://github.com/org/cat.git" }));
        Assert.Equal(["b3", "b1"], await IdsAsync(store, new BuildQuery { Branch = "main" }));
        Assert.Equal(["b3"], await IdsAsync(store, new BuildQuery { Trigger = BuildTriggers.Nightly }));
        Assert.Equal(["b4"], await IdsAsync(store, new BuildQuery { Trigger = BuildTriggers.Action }));
        Assert.Equal(["b2", "b1"], await IdsAsync(store, new BuildQuery { Platform = "qemu/x86_64" }));
        Assert.Equal(["b1"], await IdsAsync(store, new BuildQuery { Platform = "qemu/arm64" }));
        Assert.Empty(await IdsAsync(store, new BuildQuery { Platform = "not-a-platform" }));
        Assert.Equal(["b4", "b2", "b1"], await IdsAsync(store, new BuildQuery { Worker = "x86" }));
        Assert.Equal(["b3", "b2"], await IdsAsync(store, new BuildQuery { Since = T0.AddMinutes(2), Until = T0.AddMinutes(4) }));
        Assert.Equal(["b1"], await IdsAsync(store, new BuildQuery { App = "helloworld", Trigger = BuildTriggers.Api, Worker = "arm" }));
    }

    [Fact]
    public async Task ListBuilds_FreeText_FindsAppRepositoryAndCommit_CaseInsensitive_WildcardsAsText()
    {
        var store = await SeedAsync(await StoreAsync());

        Assert.Equal(["b3", "b1"], await IdsAsync(store, new BuildQuery { Text = "HELLO" }));
        Assert.Equal(["b3"], await IdsAsync(store, new BuildQuery { Text = "other/apps" }));
        Assert.Equal(["b2"], await IdsAsync(store, new BuildQuery { Text = "bbbb22" }));
        // LIKE's wildcards are searched for, not obeyed: only the app whose name has them.
        Assert.Equal(["b4"], await IdsAsync(store, new BuildQuery { Text = "%" }));
        Assert.Equal(["b4"], await IdsAsync(store, new BuildQuery { Text = "0%_" }));
        Assert.Empty(await IdsAsync(store, new BuildQuery { Text = "'; DROP TABLE farm.builds; --" }));
        Assert.Equal(5, (await store.ListBuildsAsync(new BuildQuery(), Ct)).Builds.Count);
    }

    [Fact]
    public async Task ListBuilds_Pages_WalkEveryBuildOnce_EvenWhenTimesTie_AndCarryTheirTargets()
    {
        var store = await StoreAsync();
        // Seven builds created in the same microsecond and three later: the id breaks ties, bytewise.
        var ids = Enumerable.Range(0, 10).Select(i => $"p{i:D2}{(char)('A' + i % 3)}").ToList();
        for (var i = 0; i < ids.Count; i++)
        {
            var created = i < 7 ? T0 : T0.AddSeconds(i);
            await store.CreateAsync(new BuildRecord(ids[i], "app", "Kraftfile", "reg/app:1", "trusted", created), [new TargetRecord(ids[i], "app_qemu-x86_64", "app", "qemu", "x86_64", "qemu-x86_64")], Ct);
        }

        var seen = new List<string>();
        BuildCursor? after = null;
        var pages = 0;
        do
        {
            var page = await store.ListBuildsAsync(new BuildQuery { Limit = 3, After = BuildCursor.Parse(after?.ToString()) }, Ct);
            Assert.All(page.Builds, b => Assert.Equal("app_qemu-x86_64", Assert.Single(b.Targets).Name));
            seen.AddRange(page.Builds.Select(b => b.Build.Id));
            after = page.Next;
            pages++;
        }
        while (after is not null && pages < 10);

        var expected = ids.Skip(7).Reverse().Concat(ids.Take(7).OrderByDescending(id => id, StringComparer.Ordinal)).ToList();
        Assert.Equal(expected, seen);
        Assert.Equal(4, pages);
    }

    [Fact]
    public async Task ListTargets_AWorkersLastJobs_NewestFirst_AndTheSlowestBuiltOnes()
    {
        var store = await StoreAsync();
        var build = new BuildRecord("t1", "app", "Kraftfile", "reg/app:1", "trusted", T0);
        string[] names = ["a_qemu-x86_64", "a_qemu-arm64", "a_linuxu-x86_64", "a_fc-x86_64"];
        await store.CreateAsync(build, [.. names.Select(n => new TargetRecord("t1", n, "a", n[2..].Split('-')[0], n.Split('-')[1], n[2..]))], Ct);
        (string Name, string Worker, double Seconds, bool Cached, TargetState State)[] done =
            [(names[0], "x86", 40, false, TargetState.Succeeded), (names[1], "arm", 90, false, TargetState.Failed), (names[2], "x86", 5, true, TargetState.Succeeded)];
        foreach (var (name, worker, seconds, cached, state) in done)
        {
            await store.StartTargetAsync("t1", name, worker, 0, Ct);
            await store.CompleteTargetAsync("t1", name, new TargetOutcome(state, null) { BuildSeconds = seconds, Cached = cached, CacheHits = 2, CacheMisses = 1 }, Ct);
            await Task.Delay(20, Ct);
        }

        await store.StartTargetAsync("t1", names[3], "x86", 0, Ct); // running: not a finished job

        var x86 = await store.ListTargetsAsync(new TargetQuery { Worker = "x86" }, Ct);
        var slowest = await store.ListTargetsAsync(new TargetQuery { BuiltOnly = true, SlowestFirst = true, Limit = 5 }, Ct);

        Assert.Equal([names[2], names[0]], x86.Select(e => e.Target.Name));
        Assert.All(x86, e => Assert.Equal("app", e.App));
        Assert.Equal([names[1], names[0]], slowest.Select(e => e.Target.Name));
        Assert.All(slowest, e => Assert.NotNull(e.Target.Started));
    }

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

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("-id")]
    [InlineData("12-")]
    [InlineData("99999999999999999999999-id")]
    [InlineData("+5-id")]
    public void Cursor_Malformed_IsNoCursor(string text) => Assert.Null(BuildCursor.Parse(text));
}

public sealed class InMemoryBuildListingTests : BuildListingContract
{
    protected override Task<IBuildStore> StoreAsync() => Task.FromResult<IBuildStore>(new InMemoryBuildStore());
}

public sealed class PostgresBuildListingTests(PostgresServer server) : BuildListingContract, IClassFixture<PostgresServer>
{
    private NpgsqlDataSource? _database;

    protected override async Task<IBuildStore> StoreAsync()
    {
        _database = NpgsqlDataSource.Create(await server.CreateDatabaseAsync());
        await FarmSchema.MigrateAsync(_database, Ct);
        return new PostgresBuildStore(_database);
    }

    [Fact]
    public async Task CacheDays_SummedAsTargetsFinish_EqualWhatRebuildingFromTheTargetsGives()
    {
        await SummarizeCache_SumsEachTierAndTheRootfsCache_AndKeepsOnlyKnownTiers();
        var store = new PostgresBuildStore(_database!);
        var incremental = (await store.SummarizeCacheAsync(2, 5, Ct)).Days;

        await using (var rebuild = _database!.CreateCommand("SELECT farm.rebuild_cache_days()"))
        {
            await rebuild.ExecuteNonQueryAsync(Ct);
        }

        var rebuilt = (await store.SummarizeCacheAsync(2, 5, Ct)).Days;
        var day = Assert.Single(rebuilt);
        Assert.Equal(Assert.Single(incremental) with { Tiers = day.Tiers }, day);
        Assert.Equal(incremental[0].Tiers.OrderBy(p => p.Key), day.Tiers.OrderBy(p => p.Key));
        Assert.Equal(3, day.Targets);
    }
}
