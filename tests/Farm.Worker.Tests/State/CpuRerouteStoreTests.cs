using Farm.Core.Builds;
using Farm.State.Postgres;
using Farm.State.Settings;
using Farm.Tests.Support;
using Farm.Worker.Jobs;
using Hangfire;
using Hangfire.Server;
using Npgsql;

namespace Farm.Worker.Tests.State;

/// <summary>
/// Moving a target skipped for RDSEED to a KVM worker, through real PostgreSQL and Hangfire's PostgreSQL storage:
/// the row (queue, attempt + 1, reason, log), the job on the <c>-kvm</c> queue fetched by a Hangfire server of that
/// queue, and the old attempt refused. The KVM worker is its registry row and a job server on its queues, as
/// <c>worker serve</c> on a KVM host writes and runs them (this host has no /dev/kvm to boot the kernel itself).
/// </summary>
public sealed class CpuRerouteStoreTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    private const string Kvm = "qemu-x86_64-kvm";
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static readonly TargetOutcome LacksRdseed = new(TargetState.Skipped, "the kernel needs RDSEED (CONFIG_LIBUKRANDOM=y)") { LackingCpu = ["rdseed"] };

    private async Task<(string Connection, NpgsqlDataSource Database, PostgresBuildStore Store)> RunningTargetAsync()
    {
        var connection = await server.CreateDatabaseAsync();
        var database = NpgsqlDataSource.Create(connection);
        await FarmSchema.MigrateAsync(database, Ct);
        var store = new PostgresBuildStore(database);
        await store.CreateAsync(
            new BuildRecord("b", "app", "Kraftfile", "oci:out:app", "trusted", DateTimeOffset.UtcNow) { GitUrl = "file:///src", GitCommit = "abc" },
            [new TargetRecord("b", "app_qemu-x86_64", "app", "qemu", "x86_64", "qemu-x86_64") { Plan = "{\"stored\":\"plan\"}" }],
            Ct);
        var registry = new WorkerRegistry(database);
        await registry.RegisterAsync("tcg", ["qemu-x86_64"], "{}", Ct);
        Assert.True(await store.StartTargetAsync("b", "app_qemu-x86_64", "tcg", 0, Ct));
        return (connection, database, store);
    }

    [Fact]
    public async Task SkippedForRdseed_ALiveKvmWorker_TakesItOnTheKvmQueueAsTheNextAttempt()
    {
        var (connection, database, store) = await RunningTargetAsync();
        var registry = new WorkerRegistry(database);
        await registry.RegisterAsync("kvm", ["qemu-x86_64", Kvm], "{}", Ct);
        var storage = FarmHangfireStorage.Create(connection, new HangfireOptions());
        var reroute = new CpuReroute(registry, new TargetRecovery(database), store, new BackgroundJobClient(storage), ["qemu-x86_64"]);

        var moved = await reroute.TryMoveAsync("b", "app_qemu-x86_64", "tcg", 0, LacksRdseed, Ct);

        var target = (await store.GetTargetsAsync("b", Ct)).Single();
        Assert.True(moved);
        Assert.Equal((TargetState.Queued, Kvm, 1, null), (target.State, target.Queue, target.Attempt, target.Worker));
        Assert.Equal("needs RDSEED, which this worker's emulated CPU lacks: moved to a KVM worker (queue qemu-x86_64-kvm, attempt 2)", target.Reason);
        Assert.Contains("farm: app_qemu-x86_64: needs RDSEED, which this worker's emulated CPU lacks: moved to a KVM worker", string.Join('\n', await store.ReadLogAsync("b", "app_qemu-x86_64", 0, Ct)), StringComparison.Ordinal);
        Assert.Equal((1L, 0L), (storage.GetMonitoringApi().EnqueuedCount(Kvm), storage.GetMonitoringApi().EnqueuedCount("qemu-x86_64")));
        Assert.Equal("{\"stored\":\"plan\"}", await store.GetTargetPlanAsync("b", "app_qemu-x86_64", Ct));

        // The KVM worker's job server, on its queues, fetches the job: same build and target, the next attempt.
        var kvmWorker = new StartingJob(store, "kvm");
        using (new BackgroundJobServer(new BackgroundJobServerOptions { ServerName = "kvm", Queues = ["qemu-x86_64", Kvm], WorkerCount = 1, Activator = new OneJob(kvmWorker) }, storage))
        {
            var started = await kvmWorker.Started.Task.WaitAsync(Deadline, Ct);
            Assert.Equal(("b", "app_qemu-x86_64", 1, true), started);
        }

        var running = (await store.GetTargetsAsync("b", Ct)).Single();
        Assert.Equal((TargetState.Running, "kvm", 1), (running.State, running.Worker, running.Attempt));
        Assert.False(await store.StartTargetAsync("b", "app_qemu-x86_64", "tcg", 0, Ct));
        Assert.False(await reroute.TryMoveAsync("b", "app_qemu-x86_64", "tcg", 0, LacksRdseed, Ct));
    }

    [Fact]
    public async Task SkippedForRdseed_KvmWorkerStaleOrAbsent_StaysRunningForTheWorkerToCompleteAsSkipped()
    {
        var (connection, database, store) = await RunningTargetAsync();
        var registry = new WorkerRegistry(database);
        var storage = FarmHangfireStorage.Create(connection, new HangfireOptions());
        var reroute = new CpuReroute(registry, new TargetRecovery(database), store, new BackgroundJobClient(storage), ["qemu-x86_64"]);

        var absent = await reroute.TryMoveAsync("b", "app_qemu-x86_64", "tcg", 0, LacksRdseed, Ct);
        await registry.RegisterAsync("kvm", ["qemu-x86_64", Kvm], "{}", Ct);
        await using (var silence = database.CreateCommand("UPDATE farm.workers SET heartbeat = now() - interval '1 minute' WHERE name = 'kvm'"))
        {
            await silence.ExecuteNonQueryAsync(Ct);
        }

        var stale = await reroute.TryMoveAsync("b", "app_qemu-x86_64", "tcg", 0, LacksRdseed, Ct);
        var otherSkip = await new CpuReroute(new WorkerRegistry(database, TimeSpan.FromHours(1)), new TargetRecovery(database), store, new BackgroundJobClient(storage), ["qemu-x86_64"])
            .TryMoveAsync("b", "app_qemu-x86_64", "tcg", 0, new TargetOutcome(TargetState.Skipped, "firecracker is not installed"), Ct);

        Assert.Equal((false, false, false), (absent, stale, otherSkip));
        Assert.Equal(0L, storage.GetMonitoringApi().EnqueuedCount(Kvm));
        Assert.Equal((TargetState.Running, "qemu-x86_64", 0), (await store.GetTargetsAsync("b", Ct)).Single() is var t ? (t.State, t.Queue, t.Attempt) : default);
        Assert.Equal(0, await store.CompleteTargetAsync("b", "app_qemu-x86_64", LacksRdseed, Ct));
        Assert.Equal((TargetState.Skipped, "the kernel needs RDSEED (CONFIG_LIBUKRANDOM=y)"), (await store.GetTargetsAsync("b", Ct)).Single() is var done ? (done.State, done.Reason) : default);
    }

    /// <summary>The KVM worker's side of the job: it starts the target as its attempt, as <see cref="TargetBuildJob"/> does first.</summary>
    private sealed class StartingJob(IBuildStore store, string worker) : ITargetBuildJob
    {
        public TaskCompletionSource<(string, string, int, bool)> Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

        public async Task RunAsync(string buildId, string name, int attempt, PerformContext? context, CancellationToken cancellationToken) =>
            Started.TrySetResult((buildId, name, attempt, await store.StartTargetAsync(buildId, name, worker, attempt, cancellationToken)));
    }

    private sealed class OneJob(ITargetBuildJob job) : JobActivator
    {
        public override object ActivateJob(Type jobType) => job;
    }
}
