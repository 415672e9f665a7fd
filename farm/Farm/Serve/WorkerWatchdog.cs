using Farm.Core.Builds;
using Farm.Core.Planning;
using Farm.State.Postgres;
using Hangfire;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace Farm.Serve;

/// <summary>
/// Ends the waits no job would end: every <see cref="Interval"/>, the running targets of a worker silent for
/// <c>Farm__Workers__DeadAfterSeconds</c> are given to a new job (attempt + 1) instead of waiting for Hangfire's
/// invisibility timeout, and a target queued longer than <c>Farm__Builds__QueueWaitMinutes</c> for a queue no live
/// worker serves fails naming the queue. Completion stays exactly once: the store moves a target to a final state
/// once, and the lost worker's old job, fetched again later, is refused by its older attempt.
/// </summary>
internal sealed partial class WorkerWatchdog
{
    /// <summary>
    /// A third of <c>Farm__Workers__DeadAfterSeconds</c>, at most 5 s: a lost worker's targets move within 4/3 of the
    /// dead-after time, and an idle farm sweeps (two statements) 0.2 times a second instead of once (issue 20: the
    /// 1 s sweep alone was 2 of the farm's idle transactions per second).
    /// </summary>
    public TimeSpan Interval => TimeSpan.FromTicks(Math.Min(TimeSpan.FromSeconds(5).Ticks, _workers.DeadAfter.Ticks / 3));

    private readonly TargetRecovery _recovery;
    private readonly WorkerRegistry _workers;
    private readonly IBuildStore _store;
    private readonly IBackgroundJobClient _jobs;
    private readonly TimeSpan _queueWait;

    public WorkerWatchdog(TargetRecovery recovery, WorkerRegistry workers, IBuildStore store, IBackgroundJobClient jobs, TimeSpan queueWait)
    {
        _recovery = recovery;
        _workers = workers;
        _store = store;
        _jobs = jobs;
        _queueWait = queueWait;
    }

    /// <summary>Sweeps until cancelled; a database error is reported and the next sweep tries again.</summary>
    public async Task RunAsync(ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(logger);
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await SweepAsync(cancellationToken).ConfigureAwait(false);
                await Task.Delay(Interval, cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (NpgsqlException ex)
            {
                Log.SweepFailed(logger, ex);
                await Task.Delay(Interval, CancellationToken.None).ConfigureAwait(false);
            }
        }
    }

    public async Task SweepAsync(CancellationToken cancellationToken)
    {
        foreach (var lost in await _recovery.LostAsync(_workers.DeadAfter, cancellationToken).ConfigureAwait(false))
        {
            // The job first, then the row: a farm stopped in between leaves a job that can start the target (its
            // attempt is newer), never a queued target without a job. A job for a target that moved on is a no-op.
            ITargetBuildJob.Enqueue(_jobs, lost.BuildId, lost.Name, lost.Queue, lost.Attempt + 1);
            if (await _recovery.RequeueAsync(lost, cancellationToken).ConfigureAwait(false))
            {
                await _store.AppendLogAsync(lost.BuildId, lost.Name, $"farm: {lost.Name}: worker {lost.Worker} lost (no heartbeat for {lost.Silent.TotalSeconds:0} s); queued again as attempt {lost.Attempt + 2}", cancellationToken).ConfigureAwait(false);
            }
        }

        foreach (var buildId in await _recovery.FailUnservedAsync(_queueWait, _workers.DeadAfter, cancellationToken).ConfigureAwait(false))
        {
            _jobs.Create(Hangfire.Common.Job.FromExpression<IAssembleJob>(j => j.AssembleAsync(buildId, CancellationToken.None), FarmQueues.Assemble), new Hangfire.States.EnqueuedState(FarmQueues.Assemble));
        }
    }

    /// <summary>
    /// For the submitter: null when a target of <paramref name="platform"/>/<paramref name="architecture"/> may wait
    /// in its queue; with no queue wait, the reason it is skipped when no live worker serves the queue.
    /// </summary>
    public async Task<string?> WhyNotServedAsync(string platform, string architecture, CancellationToken cancellationToken)
    {
        if (_queueWait > TimeSpan.Zero)
        {
            return null;
        }

        var queue = Queues.For(platform, architecture);
        return QueueWaiting.LastSeen(queue, await _workers.ListAsync(cancellationToken).ConfigureAwait(false)) is { } seen
            ? $"no live worker serves queue {queue} ({seen}; Farm__Builds__QueueWaitMinutes is 0)"
            : null;
    }

    /// <summary>Null when a live worker serves <paramref name="queue"/>; else what a target of it waits for, and who served it last.</summary>
    public static string? Waiting(string queue, IReadOnlyList<WorkerInfo> workers) => QueueWaiting.Reason(queue, workers);
}
