using Farm.Core.Builds;
using Farm.State.Postgres;
using Farm.Tests.Support;
using Npgsql;

namespace Farm.Tests.State;

/// <summary>
/// The dashboard's lists, one contract for both stores: each filter keeps exactly the builds it names, pages walk every
/// build once newest first, free text finds app, repository and commit and treats LIKE's wildcards as text.
/// </summary>
public abstract partial class BuildListingContract
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
