using Farm.Core.Builds;
using Farm.Core.Builds.Signals;
using Farm.State.Postgres;
using Farm.Tests.Support;
using Npgsql;

namespace Farm.Worker.Tests.State;

/// <summary>
/// LISTEN/NOTIFY on real PostgreSQL: a cancel and a log line reach their watchers by signal, a rolled-back write
/// signals nothing, and a listener whose backend is terminated falls back to polling and reconnects.
/// </summary>
public sealed class BuildSignalsTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    private static BuildRecord Build(string id) => new(id, "app", "Kraftfile", "oci:out:app", "trusted", DateTimeOffset.UtcNow);

    private static TargetRecord Target(string build) => new(build, "a", "app", "qemu", "x86_64", "qemu-x86_64");

    private async Task<NpgsqlDataSource> DatabaseAsync(string? connectionString = null)
    {
        var database = NpgsqlDataSource.Create(connectionString ?? await server.CreateDatabaseAsync());
        await FarmSchema.MigrateAsync(database, Ct);
        return database;
    }

    /// <summary>
    /// Waits for the wake of the listener's connect (fallback polls before it are skipped: a connect may take longer
    /// than a short poll on a loaded machine); after it, every NOTIFY is heard.
    /// </summary>
    private static async Task ListeningAsync(IBuildWatch watch)
    {
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(Ct);
        deadline.CancelAfter(TimeSpan.FromSeconds(60));
        while (await watch.WaitAsync(deadline.Token) != BuildWake.Reconnected)
        {
        }
    }

    /// <summary>
    /// Connects the store's listener through a watch of another build, so the watches opened after it hear every NOTIFY
    /// and have no connect wake pending (a watch opened while the listener connects may or may not get one).
    /// </summary>
    private static async Task ConnectedAsync(PostgresBuildStore store)
    {
        using var primer = store.Watch("primer", BuildChanges.Targets | BuildChanges.Log);
        await ListeningAsync(primer);
    }

    [Fact]
    public async Task Cancel_OfARunningTarget_WakesTheWorkersWatchBySignal_NotByThePoll()
    {
        // The worker and the farm are two processes: two data sources on one database.
        var connectionString = await server.CreateDatabaseAsync();
        // The fallback poll is ten minutes here: only the NOTIFY can wake the watch before the test's deadline.
        await using var worker = new PostgresBuildStore(await DatabaseAsync(connectionString), new BuildSignalHub(TimeSpan.FromMinutes(10)));
        await using var farm = new PostgresBuildStore(await DatabaseAsync(connectionString));
        await farm.CreateAsync(Build("b"), [Target("b")], Ct);
        Assert.True(await worker.StartTargetAsync("b", "a", "w1", 0, Ct));
        using var watch = worker.Watch("b", BuildChanges.Targets);
        await ListeningAsync(watch);

        var woken = watch.WaitAsync(Ct);
        var beforeCancel = woken.IsCompleted;
        Assert.True(await farm.CancelAsync("b", Ct));
        var reason = await woken.WaitAsync(TimeSpan.FromSeconds(60), Ct);

        Assert.False(beforeCancel);
        Assert.Equal(BuildWake.Signalled, reason);
        Assert.Equal(TargetState.Cancelled, (await worker.GetTargetsAsync("b", Ct)).Single().State);
    }

    [Fact]
    public async Task LogLine_WakesOnlyTheWatchesOfItsBuild_AndOnlyWhenItsTransactionCommits()
    {
        var database = await DatabaseAsync();
        await using var store = new PostgresBuildStore(database, new BuildSignalHub(TimeSpan.FromSeconds(1)));
        await store.CreateAsync(Build("b"), [Target("b")], Ct);
        await store.CreateAsync(Build("c"), [Target("c")], Ct);
        await ConnectedAsync(store);
        using var tail = store.Watch("b", BuildChanges.Log);
        using var other = store.Watch("c", BuildChanges.Log);
        using var cancels = store.Watch("b", BuildChanges.Targets);

        await using (var connection = await database.OpenConnectionAsync(Ct))
        await using (var transaction = await connection.BeginTransactionAsync(Ct))
        {
            await using var insert = new NpgsqlCommand("INSERT INTO farm.logs (build_id, name, line) VALUES ('b', 'a', 'rolled back')", connection, transaction);
            await insert.ExecuteNonQueryAsync(Ct);
            await transaction.RollbackAsync(Ct);
        }

        var afterRollback = await tail.WaitAsync(Ct);
        await store.AppendLogAsync("b", "a", "line 1", Ct);
        var afterCommit = await tail.WaitAsync(Ct);

        Assert.Equal(BuildWake.Polled, afterRollback);
        Assert.Equal(BuildWake.Signalled, afterCommit);
        Assert.Equal(BuildWake.Polled, await other.WaitAsync(Ct));
        Assert.Equal(BuildWake.Polled, await cancels.WaitAsync(Ct));
        Assert.Equal(["line 1"], await store.ReadLogAsync("b", "a", 0, Ct));
    }

    [Fact]
    public async Task Listener_TerminatedByTheServer_TailStillDelivers_AndTheListenerReconnects()
    {
        var database = await DatabaseAsync();
        await using var store = new PostgresBuildStore(database);
        await store.CreateAsync(Build("b"), [Target("b")], Ct);
        using var tail = store.Watch("b", BuildChanges.Log);
        await ListeningAsync(tail);
        var first = store.Listener.ProcessId;

        await using (var kill = database.CreateCommand($"SELECT pg_terminate_backend({first})"))
        {
            Assert.True((bool)(await kill.ExecuteScalarAsync(Ct))!);
        }

        await store.AppendLogAsync("b", "a", "while the listener was down", Ct);
        var delivered = await TailAsync(store, tail, 1);
        var reconnected = await UntilAsync(() => store.Listener.Connections >= 2 && store.Listener.ProcessId != 0);
        while (await tail.WaitAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct) != BuildWake.Polled)
        {
            // Drains the wake of the reconnect (and any signal before it), so the next wake is the next line's.
        }

        await store.AppendLogAsync("b", "a", "after the reconnect", Ct);
        var wake = await tail.WaitAsync(Ct).WaitAsync(TimeSpan.FromSeconds(30), Ct);

        Assert.Equal(["while the listener was down"], delivered);
        Assert.True(reconnected, "the listener never reconnected");
        Assert.NotEqual(first, store.Listener.ProcessId);
        Assert.Equal(BuildWake.Signalled, wake);
    }

    /// <summary>What a live tail does: read, and wait on the watch until <paramref name="count"/> lines came.</summary>
    private static async Task<IReadOnlyList<string>> TailAsync(IBuildStore store, IBuildWatch watch, int count)
    {
        for (var round = 0; round < 20; round++)
        {
            var lines = await store.ReadLogAsync("b", "a", 0, Ct);
            if (lines.Count >= count)
            {
                return lines;
            }

            await watch.WaitAsync(Ct);
        }

        return [];
    }

    private static async Task<bool> UntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 600 && !condition(); i++)
        {
            await Task.Delay(50, Ct);
        }

        return condition();
    }
}
