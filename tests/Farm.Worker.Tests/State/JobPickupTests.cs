using System.Collections.Concurrent;
using Farm.State.Postgres;
using Farm.State.Settings;
using Farm.Tests.Support;
using Hangfire;
using Hangfire.Common;
using Hangfire.PostgreSql;
using Hangfire.States;
using Npgsql;

namespace Farm.Worker.Tests.State;

/// <summary>
/// Job pickup woken by NOTIFY, through real PostgreSQL and Hangfire servers as <c>farm serve</c> and <c>worker
/// serve</c> run them (each server its own build store, so its own LISTEN connection, as in its own process). The
/// fallback poll is 10 minutes, so only a NOTIFY can start a job within the tests' deadlines.
/// </summary>
public sealed class JobPickupTests(PostgresServer server) : IClassFixture<PostgresServer>
{
    private const string Queue = "pickup-test";
    private const int NeverPolls = 600;
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task IdleServer_FallbackPollTenMinutes_AJobEnqueuedStartsOnItsNotify()
    {
        var (connection, database) = await DatabaseAsync();
        await using var process = await ServingAsync(connection, database, "a", workers: 2);
        await UntilAsync(() => process.Store.Listener.Jobs.Sleeping == 2, "the server's threads never went idle");

        var ran = Enqueue(process.Storage, "single", 1);

        await ran.WaitAsync(Deadline, Ct);
        Assert.Equal(0L, process.Storage.GetMonitoringApi().EnqueuedCount(Queue));
    }

    [Fact]
    public async Task ListenerTerminated_JobsEnqueuedWhileItIsDown_AndAfter_AreStillPickedUp()
    {
        var (connection, database) = await DatabaseAsync();
        await using var process = await ServingAsync(connection, database, "a", workers: 2);
        await UntilAsync(() => process.Store.Listener.Jobs.Sleeping == 2, "the server's threads never went idle");
        var first = process.Store.Listener.ProcessId;
        var logged = new LoggedLines();
        process.Store.Listener.LogTo(logged);

        await using (var kill = database.CreateCommand($"SELECT pg_terminate_backend({first})"))
        {
            Assert.True((bool)(await kill.ExecuteScalarAsync(Ct))!);
        }

        // Its NOTIFY is sent while nobody listens: the reconnect wakes every idle thread to look once.
        var whileDown = Enqueue(process.Storage, "down", 1);
        await whileDown.WaitAsync(Deadline, Ct);
        await UntilAsync(() => process.Store.Listener.Connections >= 2 && process.Store.Listener.ProcessId != 0, "the listener never reconnected");
        await UntilAsync(() => process.Store.Listener.Jobs.Sleeping == 2, "the server's threads never went idle again");
        var after = Enqueue(process.Storage, "after", 1);

        await after.WaitAsync(Deadline, Ct);
        Assert.NotEqual(first, process.Store.Listener.ProcessId);
        // What the process's log says of it.
        Assert.Contains(logged.Lines, l => l.StartsWith("Warning: build change listener lost its connection", StringComparison.Ordinal));
        Assert.Contains(logged.Lines, l => l.StartsWith($"Information: listening for build changes on backend {process.Store.Listener.ProcessId} (connection ", StringComparison.Ordinal));
    }

    [Fact]
    public async Task TenThousandJobs_TwoServers_EveryJobFetchedRunsOnce_NoneWaitsForALaterNotify()
    {
        var (connection, database) = await DatabaseAsync();
        await using var a = await ServingAsync(connection, database, "a", workers: 4);
        await using var b = await ServingAsync(connection, database, "b", workers: 4);
        var client = FarmHangfireStorage.Create(connection, new HangfireOptions());
        const int Waves = 20;
        const int PerWave = 500;

        // In waves: the next wave is enqueued only once the last one has run, so a job left behind by a lost
        // wake-up has no later NOTIFY to rescue it, and the 10-minute fallback is far past the deadline.
        for (var wave = 0; wave < Waves; wave++)
        {
            var run = $"wave{wave}";
            var ran = new Task[PerWave];
            await Parallel.ForAsync(0, PerWave, new ParallelOptions { MaxDegreeOfParallelism = 4, CancellationToken = Ct }, (n, _) =>
            {
                ran[n] = Enqueue(client, run, n);
                return ValueTask.CompletedTask;
            });
            var all = Task.WhenAll(ran);
            var finished = await Task.WhenAny(all, Task.Delay(Deadline, Ct));
            Assert.True(finished == all, $"wave {wave}: {ran.Count(t => !t.IsCompleted)} of {PerWave} jobs never started within {Deadline.TotalSeconds} s (fallback poll: {NeverPolls} s)");
        }

        Assert.Equal(Waves * PerWave, PickupJob.Runs.Count(r => r.Key.StartsWith("wave", StringComparison.Ordinal)));
        Assert.All(PickupJob.Runs.Where(r => r.Key.StartsWith("wave", StringComparison.Ordinal)), r => Assert.Equal(1, r.Value.Count));
        // A job's row leaves the queue just after it ran (Hangfire deletes it after the Succeeded state), so the last
        // wave's last rows may still be there for a moment on a loaded machine; a row fetched but never run stays.
        await using var left = database.CreateCommand("SELECT count(*) FROM hangfire.jobqueue");
        var remaining = -1L;
        for (var until = DateTime.UtcNow + Deadline; remaining != 0 && DateTime.UtcNow < until; await Task.Delay(100, Ct))
        {
            remaining = (long)(await left.ExecuteScalarAsync(Ct))!;
        }

        Assert.Equal(0L, remaining);
        await using var servers = database.CreateCommand("SELECT count(DISTINCT data->>'ServerId') FROM hangfire.state WHERE name = 'Processing'");
        Assert.Equal(2L, (long)(await servers.ExecuteScalarAsync(Ct))!);
    }

    private async Task<(string Connection, NpgsqlDataSource Database)> DatabaseAsync()
    {
        var connection = await server.CreateDatabaseAsync();
        var database = FarmConnections.Open(connection);
        await FarmSchema.MigrateAsync(database, Ct);
        return (connection, database);
    }

    private static async Task<Process> ServingAsync(string connection, NpgsqlDataSource database, string name, int workers)
    {
        var store = new PostgresBuildStore(database);
        var storage = await FarmHangfireStorage.CreateServingAsync(new HangfireOptions { FallbackPollSeconds = NeverPolls }, store.Listener, [Queue], Ct);
        var jobs = new BackgroundJobServer(new BackgroundJobServerOptions { ServerName = name, Queues = [Queue], WorkerCount = workers }, storage);
        await UntilAsync(() => store.Listener.ProcessId != 0, "the listener never connected");
        return new Process(store, storage, jobs);
    }

    private static Task Enqueue(PostgreSqlStorage storage, string run, int n)
    {
        var ran = PickupJob.Runs.GetOrAdd($"{run}/{n}", _ => new PickupJob.Run()).Started.Task;
        new BackgroundJobClient(storage).Create(Job.FromExpression(() => PickupJob.Perform(run, n), Queue), new EnqueuedState(Queue));
        return ran;
    }

    private static async Task UntilAsync(Func<bool> condition, string why)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, why);
            await Task.Delay(20, Ct);
        }
    }

    private sealed record Process(PostgresBuildStore Store, PostgreSqlStorage Storage, BackgroundJobServer Jobs) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            Jobs.Dispose();
            await Store.DisposeAsync();
        }
    }
}

/// <summary>The trivial job: records that it ran (Hangfire calls it by name, so it is public).</summary>
public static class PickupJob
{
    public static ConcurrentDictionary<string, Run> Runs { get; } = new(StringComparer.Ordinal);

    public static void Perform(string run, int n)
    {
        var record = Runs.GetOrAdd($"{run}/{n}", _ => new Run());
        record.Ran();
    }

    public sealed class Run
    {
        private int _times;

        public int Count => Volatile.Read(ref _times);

        public void Ran()
        {
            Interlocked.Increment(ref _times);
            Started.TrySetResult();
        }

        public TaskCompletionSource Started { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
