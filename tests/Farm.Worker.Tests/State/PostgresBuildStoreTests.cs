using Farm.Core.Builds;
using Farm.Tests.Support;
using Farm.State.Postgres;
using Npgsql;

namespace Farm.Worker.Tests.State;

/// <summary>The farm's state in real PostgreSQL: migrations, the once-only completion and the fan-in count, cancel, logs.</summary>
public sealed class PostgresBuildStoreTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private async Task<PostgresBuildStore> StoreAsync() => new(await DatabaseAsync());

    private async Task<NpgsqlDataSource> DatabaseAsync()
    {
        var database = NpgsqlDataSource.Create(await server.CreateDatabaseAsync());
        // Two processes starting at once (farm and a worker) both migrate; the lock makes it once.
        await Task.WhenAll(FarmSchema.MigrateAsync(database, Ct), FarmSchema.MigrateAsync(database, Ct));
        await FarmSchema.MigrateAsync(database, Ct);
        return database;
    }

    private static BuildRecord Build(string id) => new(id, "app", "Kraftfile", "oci:out:app", "trusted", DateTimeOffset.UtcNow) { PublishPartial = true, GitUrl = "file:///src", GitCommit = "abc" };

    [Fact]
    public async Task CompleteTarget_ManyAtOnceAndTwiceEach_ExactlyOneSeesZeroOpen()
    {
        var store = await StoreAsync();
        var targets = Enumerable.Range(0, 24).Select(i => new TargetRecord("b", $"t{i}", "app", "qemu", "x86_64", "qemu-x86_64")).ToList();
        targets.Add(new TargetRecord("b", "fc", "app", "fc", "x86_64", "fc-x86_64") { State = TargetState.Skipped, Reason = "no firecracker" });
        await store.CreateAsync(Build("b"), targets, Ct);

        var results = await Task.WhenAll(targets.Take(24).Concat(targets.Take(24)).Select(t => Task.Run(
            () => store.CompleteTargetAsync("b", t.Name, new TargetOutcome(TargetState.Succeeded, null) { ManifestDigest = "sha256:m", CacheHits = 3 }, Ct), Ct)));

        Assert.Single(results, r => r == 0);
        Assert.Equal(24, results.Count(r => r is null));
        var stored = await store.GetTargetsAsync("b", Ct);
        Assert.Equal(targets.Select(t => t.Name), stored.Select(t => t.Name));
        Assert.All(stored.Take(24), t => Assert.Equal((TargetState.Succeeded, "sha256:m", 3L), (t.State, t.ManifestDigest, t.CacheHits)));
        Assert.Equal((TargetState.Skipped, "no firecracker"), (stored[^1].State, stored[^1].Reason));
    }

    [Fact]
    public async Task BuildLifecycle_StartFinishCancel_AsTheFarmSeesIt()
    {
        var store = await StoreAsync();
        await store.CreateAsync(Build("b"), [new TargetRecord("b", "a", "app", "qemu", "x86_64", "qemu-x86_64")], Ct);
        await store.CreateAsync(Build("c"), [new TargetRecord("c", "a", "app", "qemu", "x86_64", "qemu-x86_64")], Ct);

        Assert.True(await store.StartTargetAsync("b", "a", "worker-1", 0, Ct));
        await store.SetPhaseAsync("b", "a", "smoke", Ct);
        var running = (await store.GetAsync("b", Ct))!;
        var target = (await store.GetTargetsAsync("b", Ct)).Single();
        Assert.Equal(0, await store.CompleteTargetAsync("b", "a", new TargetOutcome(TargetState.Succeeded, null), Ct));
        Assert.True(await store.FinishAsync("b", BuildState.Succeeded, "sha256:i", null, Ct));
        Assert.False(await store.FinishAsync("b", BuildState.Failed, null, "late", Ct));
        Assert.True(await store.CancelAsync("c", Ct));
        Assert.False(await store.StartTargetAsync("c", "a", "worker-2", 0, Ct));
        Assert.Null(await store.CompleteTargetAsync("c", "a", new TargetOutcome(TargetState.Succeeded, null), Ct));

        Assert.Equal((BuildState.Running, "file:///src", "abc", true), (running.State, running.GitUrl, running.GitCommit, running.PublishPartial));
        Assert.Equal((TargetState.Running, "worker-1", "smoke"), (target.State, target.Worker, target.Phase));
        Assert.Equal((BuildState.Succeeded, "sha256:i"), ((await store.GetAsync("b", Ct))!.State, (await store.GetAsync("b", Ct))!.IndexDigest));
        Assert.Equal(BuildState.Cancelled, (await store.GetAsync("c", Ct))!.State);
        Assert.Equal(TargetState.Cancelled, (await store.GetTargetsAsync("c", Ct)).Single().State);
        Assert.Null(await store.GetAsync("unknown", Ct));
    }

    [Fact]
    public async Task TargetPlan_StoredAtCreateAndAtPlanning_IsReadBackByItsTarget_AndStaysOutOfListings()
    {
        var store = await StoreAsync();
        var plan = "{\"version\":1,\"job\":{}}";
        await store.CreateAsync(Build("b"), [new TargetRecord("b", "a", "app", "qemu", "x86_64", "qemu-x86_64") { Plan = plan }, new TargetRecord("b", "older", "app", "qemu", "x86_64", "qemu-x86_64")], Ct);
        await store.CreateAsync(Build("r") with { State = BuildState.Resolving }, [], Ct);
        await store.PlanAsync(Build("r"), [new TargetRecord("r", "a", "app", "qemu", "x86_64", "qemu-x86_64") { Plan = plan + " " }], Ct);

        Assert.Equal(plan, await store.GetTargetPlanAsync("b", "a", Ct));
        Assert.Equal(plan + " ", await store.GetTargetPlanAsync("r", "a", Ct));
        Assert.Null(await store.GetTargetPlanAsync("b", "older", Ct));
        Assert.Null(await store.GetTargetPlanAsync("b", "unknown", Ct));
        Assert.All(await store.GetTargetsAsync("b", Ct), t => Assert.Null(t.Plan));
    }

    [Fact]
    public async Task Logs_KeepTheirOrder_AndReadFromAnOffset()
    {
        var store = await StoreAsync();
        await store.CreateAsync(Build("b"), [new TargetRecord("b", "a", "app", "qemu", "x86_64", "qemu-x86_64")], Ct);
        foreach (var i in Enumerable.Range(0, 50))
        {
            await store.AppendLogAsync("b", "a", $"line {i}", Ct);
        }

        var tail = await store.ReadLogAsync("b", "a", 45, Ct);

        Assert.Equal(Enumerable.Range(45, 5).Select(i => $"line {i}"), tail);
        Assert.Empty(await store.ReadLogAsync("b", "other", 0, Ct));
    }

    [Fact]
    public async Task LostWorker_ItsTargetIsRequeuedOnce_AndItsOldJobCannotStartIt()
    {
        var database = await DatabaseAsync();
        var store = new PostgresBuildStore(database);
        TargetRecord[] targets = [new("r", "a", "app", "qemu", "x86_64", "qemu-x86_64")];
        await store.CreateAsync(Build("r") with { State = BuildState.Resolving }, [], Ct);
        var planned = await store.PlanAsync(Build("r") with { App = "hello" }, targets, Ct);
        var plannedAgain = await store.PlanAsync(Build("r"), targets, Ct);
        var build = (await store.GetAsync("r", Ct))!;
        var registry = new WorkerRegistry(database, TimeSpan.FromSeconds(5));
        await registry.RegisterAsync("w1", ["qemu-x86_64"], "qemu-x86_64", Ct);
        await store.StartTargetAsync("r", "a", "w1", 0, Ct);
        await using (var silence = database.CreateCommand("UPDATE farm.workers SET heartbeat = now() - interval '1 minute'"))
        {
            await silence.ExecuteNonQueryAsync(Ct);
        }

        var recovery = new TargetRecovery(database);
        var lost = await recovery.LostAsync(registry.DeadAfter, Ct);
        var requeued = await recovery.RequeueAsync(lost.Single(), Ct);
        var requeuedAgain = await recovery.RequeueAsync(lost.Single(), Ct);
        var queued = (await store.GetTargetsAsync("r", Ct)).Single();
        var oldJob = await store.StartTargetAsync("r", "a", "w1", 0, Ct);
        var newJob = await store.StartTargetAsync("r", "a", "w2", 1, Ct);

        Assert.Equal((true, false), (planned, plannedAgain));
        Assert.Equal(("hello", BuildState.Queued), (build.App, build.State));
        Assert.Equal(("w1", 0), (lost.Single().Worker, lost.Single().Attempt));
        Assert.Equal((true, false), (requeued, requeuedAgain));
        Assert.Equal((TargetState.Queued, 1, "retrying after worker w1 was lost"), (queued.State, queued.Attempt, queued.Reason));
        Assert.Equal((false, true), (oldJob, newJob));
        Assert.Empty(await recovery.LostAsync(registry.DeadAfter, Ct));
    }

    [Fact]
    public async Task FailUnserved_AQueueNoLiveWorkerServes_FailsNamingTheQueue_AndCountsOffTheBuild()
    {
        var database = await DatabaseAsync();
        var store = new PostgresBuildStore(database);
        await store.CreateAsync(Build("b"), [new TargetRecord("b", "fc", "app", "fc", "x86_64", "fc-x86_64")], Ct);
        await store.CreateAsync(Build("c"), [new TargetRecord("c", "q", "app", "qemu", "x86_64", "qemu-x86_64")], Ct);
        await new WorkerRegistry(database).RegisterAsync("w1", ["qemu-x86_64"], "qemu-x86_64", Ct);

        var done = await new TargetRecovery(database).FailUnservedAsync(TimeSpan.Zero, TimeSpan.FromSeconds(15), Ct);

        Assert.Equal(["b"], done);
        var failed = (await store.GetTargetsAsync("b", Ct)).Single();
        Assert.Equal(TargetState.Failed, failed.State);
        Assert.StartsWith("no worker of queue fc-x86_64 appeared within 0 s", failed.Reason, StringComparison.Ordinal);
        Assert.EndsWith("(none seen)", failed.Reason, StringComparison.Ordinal);
        Assert.Equal(TargetState.Queued, (await store.GetTargetsAsync("c", Ct)).Single().State);
    }
}
