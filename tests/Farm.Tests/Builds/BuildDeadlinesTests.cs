using Farm.Builds;
using Farm.Core.Builds;
using Farm.Tests.Support;
using Farm.State.Postgres;
using Npgsql;

namespace Farm.Tests.Builds;

/// <summary>The build deadline against the real store: an overdue build fails, naming the target it waited on; a young one is left alone.</summary>
public sealed class BuildDeadlinesTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    private static readonly DateTimeOffset Submitted = new(2025, 1, 1, 12, 0, 0, TimeSpan.Zero);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task FailOverdue_BuildPastItsDeadline_FailsItAndItsOpenTargets_NamingTheRunningTarget()
    {
        var store = await StoreAsync();
        await CreateAsync(store, "old", Submitted);
        await store.StartTargetAsync("old", "app_qemu-x86_64", "worker-a", 0, Ct);
        await store.SetPhaseAsync("old", "app_qemu-x86_64", "package", Ct);
        await store.CompleteTargetAsync("old", "app_fc-x86_64", new TargetOutcome(TargetState.Succeeded, null), Ct);
        var deadlines = new BuildDeadlines(store, TimeSpan.FromMinutes(60), new FixedTime(Submitted.AddMinutes(61)));

        Assert.Equal(["old"], await deadlines.FailOverdueAsync(Ct));

        var build = (await store.GetAsync("old", Ct))!;
        const string Expected = "the build exceeded its 60-minute deadline (Farm__Builds__TimeoutMinutes) while waiting for target qemu/x86_64 (running, package, worker worker-a)";
        Assert.Equal((BuildState.Failed, Expected), (build.State, build.Reason));
        var targets = await store.GetTargetsAsync("old", Ct);
        Assert.Equal([TargetState.Failed, TargetState.Succeeded], targets.Select(t => t.State));
        Assert.Equal(Expected, targets[0].Reason);
        // The worker that reports later changes nothing, and enqueues no assemble job.
        Assert.Null(await store.CompleteTargetAsync("old", "app_qemu-x86_64", new TargetOutcome(TargetState.Succeeded, null), Ct));
    }

    [Fact]
    public async Task FailOverdue_BuildWithinItsDeadline_IsLeftRunning()
    {
        var store = await StoreAsync();
        await CreateAsync(store, "young", Submitted);
        var deadlines = new BuildDeadlines(store, TimeSpan.FromMinutes(60), new FixedTime(Submitted.AddMinutes(59)));

        Assert.Empty(await deadlines.FailOverdueAsync(Ct));

        Assert.Equal(BuildState.Queued, (await store.GetAsync("young", Ct))!.State);
    }

    [Fact]
    public async Task FailOverdue_EveryTargetEndedButNothingPublished_SaysItWasPublishing()
    {
        var store = await StoreAsync();
        await CreateAsync(store, "stuck", Submitted);
        await store.CompleteTargetAsync("stuck", "app_qemu-x86_64", new TargetOutcome(TargetState.Succeeded, null), Ct);
        await store.CompleteTargetAsync("stuck", "app_fc-x86_64", new TargetOutcome(TargetState.Succeeded, null), Ct);
        var deadlines = new BuildDeadlines(store, TimeSpan.FromMinutes(5), new FixedTime(Submitted.AddMinutes(6)));

        await deadlines.FailOverdueAsync(Ct);

        Assert.Equal(
            "the build exceeded its 5-minute deadline (Farm__Builds__TimeoutMinutes) while publishing: every target had ended; the assemble job did not finish",
            (await store.GetAsync("stuck", Ct))!.Reason);
    }

    [Fact]
    public async Task FailOverdue_TargetNoWorkerTook_NamesItsQueue()
    {
        var store = await StoreAsync();
        await CreateAsync(store, "queued", Submitted);
        var deadlines = new BuildDeadlines(store, TimeSpan.FromMinutes(60), new FixedTime(Submitted.AddHours(2)));

        await deadlines.FailOverdueAsync(Ct);

        Assert.EndsWith("while waiting for target qemu/x86_64 (queued, no worker took queue qemu-x86_64)", (await store.GetAsync("queued", Ct))!.Reason, StringComparison.Ordinal);
    }

    private async Task<PostgresBuildStore> StoreAsync()
    {
        var database = NpgsqlDataSource.Create(await server.CreateDatabaseAsync());
        await FarmSchema.MigrateAsync(database, Ct);
        return new PostgresBuildStore(database);
    }

    private static Task CreateAsync(IBuildStore store, string id, DateTimeOffset created) =>
        store.CreateAsync(
            new BuildRecord(id, "app", "Kraftfile", "127.0.0.1:5000/apps/app:v1", "trusted", created),
            [new TargetRecord(id, "app_qemu-x86_64", "qemu/x86_64", "qemu", "x86_64", "qemu-x86_64"), new TargetRecord(id, "app_fc-x86_64", "fc/x86_64", "fc", "x86_64", "fc-x86_64")],
            Ct);

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
