using Farm.Core.Builds;
using Farm.Core.Planning;
using Farm.State.Postgres;
using Hangfire;

namespace Farm.Worker.Jobs;

/// <summary>
/// A target this worker built but skipped because its emulated CPU lacks what the kernel needs (RDSEED for
/// libukrandom) goes to a worker that has it: when a live, serving worker takes the queue's <c>-kvm</c> twin
/// (<see cref="Queues.WithCpu"/>), the same target (same stored plan) is enqueued there as attempt + 1, as a lost
/// worker's target is; otherwise it stays skipped with the reason, as before.
/// </summary>
internal sealed class CpuReroute
{
    private readonly WorkerRegistry _workers;
    private readonly TargetRecovery _recovery;
    private readonly IBuildStore _store;
    private readonly IBackgroundJobClient _jobs;
    private readonly IReadOnlyList<string> _ownQueues;

    /// <param name="ownQueues">This worker's queues: a target is never moved to a queue it serves itself.</param>
    public CpuReroute(WorkerRegistry workers, TargetRecovery recovery, IBuildStore store, IBackgroundJobClient jobs, IReadOnlyList<string> ownQueues)
    {
        _workers = workers;
        _recovery = recovery;
        _store = store;
        _jobs = jobs;
        _ownQueues = ownQueues;
    }

    /// <summary>
    /// The queue a target of <paramref name="queue"/> that ended as <paramref name="outcome"/> moves to, or null when it
    /// stays as it ended: it was not skipped for a CPU feature, it is already on a <c>-kvm</c> queue (no loop), this
    /// worker serves that queue, or no worker in <paramref name="workers"/> is alive and serving it.
    /// </summary>
    public static string? QueueFor(TargetOutcome outcome, string queue, IReadOnlyList<string> ownQueues, IReadOnlyList<WorkerInfo> workers)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.State != TargetState.Skipped || outcome.LackingCpu.Count == 0 || Queues.WithCpu(queue) is not { } kvm || ownQueues.Contains(kvm))
        {
            return null;
        }

        return workers.Any(w => w.Alive && w.Drain == WorkerDrain.Serving && w.Queues.Contains(kvm)) ? kvm : null;
    }

    /// <summary>Moves the target when <see cref="QueueFor"/> says so; true when moved (then it is not completed here).</summary>
    public async Task<bool> TryMoveAsync(string buildId, string name, string worker, int attempt, TargetOutcome outcome, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (outcome.State != TargetState.Skipped || outcome.LackingCpu.Count == 0
            || (await _store.GetTargetsAsync(buildId, cancellationToken).ConfigureAwait(false)).FirstOrDefault(t => t.Name == name) is not { } target
            || QueueFor(outcome, target.Queue, _ownQueues, await _workers.ListAsync(cancellationToken).ConfigureAwait(false)) is not { } kvm)
        {
            return false;
        }

        var features = string.Join(" and ", outcome.LackingCpu.Select(f => f.ToUpperInvariant()));
        var reason = $"needs {features}, which this worker's emulated CPU lacks: moved to a KVM worker (queue {kvm}, attempt {attempt + 2})";
        // The job first, then the row (as the watchdog requeues): a job whose row did not move finds the target final and ends.
        ITargetBuildJob.Enqueue(_jobs, buildId, name, kvm, attempt + 1);
        if (!await _recovery.MoveAsync(buildId, name, worker, attempt, kvm, reason, cancellationToken).ConfigureAwait(false))
        {
            return false;
        }

        await _store.AppendLogAsync(buildId, name, $"farm: {name}: {reason}", cancellationToken).ConfigureAwait(false);
        return true;
    }
}
