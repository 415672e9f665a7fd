using Farm.State.Postgres;

namespace Farm.Worker.Tests.State;

/// <summary>
/// The wake-up of idle Hangfire threads, without a database: the ticket taken before a fetch makes a signal that
/// lands during the fetch end the wait (the lost wake-up behind Hangfire.PostgreSql's long-polling stall), a signal
/// wakes one thread of its queue, and the fallback poll is one per queue set, not one per thread.
/// </summary>
public sealed class JobWakeupTests
{
    private static readonly string[] Builds = ["linuxu-x86_64"];
    private static readonly TimeSpan Never = TimeSpan.FromMinutes(10);
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(30);

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    [Fact]
    public async Task SignalBetweenTheTicketAndTheWait_TheWaitReturnsAtOnce_NoWakeUpIsLost()
    {
        var wakeup = new JobWakeup();
        var ticket = wakeup.Ticket(Builds);
        // The fetch ran here and found nothing; the job committed and its NOTIFY arrived before the thread slept.
        wakeup.Signal(Builds[0]);

        var waited = Task.Run(() => wakeup.Wait(Builds, ticket, Never, Ct), Ct);

        await waited.WaitAsync(Deadline, Ct);
        Assert.Equal(0, wakeup.Sleeping);
    }

    [Fact]
    public async Task Reconnect_BetweenTheTicketAndTheWait_TheWaitReturnsAtOnce()
    {
        var wakeup = new JobWakeup();
        var ticket = wakeup.Ticket(Builds);
        wakeup.SignalAll();

        await Task.Run(() => wakeup.Wait(Builds, ticket, Never, Ct), Ct).WaitAsync(Deadline, Ct);
    }

    [Fact]
    public async Task Signal_WakesOneSleeperOfItsQueue_NotTheOthers_NorAnotherQueue()
    {
        var wakeup = new JobWakeup();
        string[] other = ["assemble"];
        var sleepers = Enumerable.Range(0, 3).Select(_ => Sleep(wakeup, Builds)).ToList();
        var otherQueue = Sleep(wakeup, other);
        await UntilAsync(() => wakeup.Sleeping == 4);

        wakeup.Signal(Builds[0]);
        var woken = await Task.WhenAny(sleepers).WaitAsync(Deadline, Ct);
        await Task.Delay(200, Ct);

        Assert.Equal(1, sleepers.Count(s => s.IsCompleted));
        Assert.False(otherQueue.IsCompleted, "a signal of another queue woke the assemble thread");
        Assert.Equal(3, wakeup.Sleeping);

        wakeup.SignalAll();
        await Task.WhenAll([.. sleepers, otherQueue]).WaitAsync(Deadline, Ct);
        Assert.Equal(0, wakeup.Sleeping);
        Assert.True(woken.IsCompletedSuccessfully);
    }

    [Fact]
    public async Task Cancelled_TheWaitThrows_AndLeavesNoSleeper()
    {
        var wakeup = new JobWakeup();
        using var stop = new CancellationTokenSource();
        var waiting = Task.Run(() => wakeup.Wait(Builds, wakeup.Ticket(Builds), Never, stop.Token), Ct);
        await UntilAsync(() => wakeup.Sleeping == 1);

        await stop.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => waiting.WaitAsync(Deadline, Ct));
        Assert.Equal(0, wakeup.Sleeping);
    }

    [Fact]
    public async Task FallbackPoll_IsSharedByTheThreadsOfAQueueSet_NotOnePerThread()
    {
        var wakeup = new JobWakeup();
        var interval = TimeSpan.FromMilliseconds(300);
        var polls = 0;
        using var stop = new CancellationTokenSource();
        // Eight threads doing what an idle dequeue does: take the ticket, find nothing, wait.
        var threads = Enumerable.Range(0, 8).Select(_ => Task.Factory.StartNew(() =>
        {
            try
            {
                while (true)
                {
                    wakeup.Wait(Builds, wakeup.Ticket(Builds), interval, stop.Token);
                    Interlocked.Increment(ref polls);
                }
            }
            catch (OperationCanceledException)
            {
            }
        }, Ct, TaskCreationOptions.LongRunning, TaskScheduler.Default)).ToArray();
        await UntilAsync(() => wakeup.Sleeping == 8);
        var counted = Volatile.Read(ref polls);
        var watch = System.Diagnostics.Stopwatch.StartNew();

        await Task.Delay(TimeSpan.FromSeconds(2), Ct);
        await stop.CancelAsync();
        await Task.WhenAll(threads).WaitAsync(Deadline, Ct);
        var elapsed = watch.Elapsed;

        // One poll per interval for all eight (plus the one in flight at each end); eight polling each would be 8 ×.
        var shared = (int)(elapsed / interval) + 2;
        Assert.InRange(polls - counted, 1, shared);
    }

    private static Task Sleep(JobWakeup wakeup, string[] queues) =>
        Task.Factory.StartNew(() => wakeup.Wait(queues, wakeup.Ticket(queues), Never, Ct), Ct, TaskCreationOptions.LongRunning, TaskScheduler.Default);

    private static async Task UntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow + Deadline;
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "the threads never went to sleep");
            await Task.Delay(10, Ct);
        }
    }
}
