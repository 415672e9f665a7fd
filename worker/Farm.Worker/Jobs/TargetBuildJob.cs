using Farm.Core.Builds;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Hangfire;
using Hangfire.Server;

namespace Farm.Worker.Jobs;

/// <summary>
/// The Hangfire job of one target, on queue <c>plat-arch</c>: its arguments are ids only (build, target, attempt); the
/// target's plan is in the store and <see cref="TargetBuild"/> builds exactly that. The target's final state is written once; the completion that leaves no target open
/// enqueues the assemble job. Infrastructure errors (the registry down) are retried on the same queue, a bounded
/// number of times; the last attempt fails the target instead of leaving the build waiting.
/// </summary>
public sealed class TargetBuildJob : ITargetBuildJob
{
    private readonly WorkerRuntime _runtime;
    private readonly IBuildStore _store;
    private readonly IBackgroundJobClient _jobs;
    private readonly Func<OciReference, IOciRepository> _open;
    private readonly ITargetObserver _observer;
    private readonly CpuReroute? _reroute;

    /// <param name="reroute">Moves a target skipped for a CPU feature to a KVM worker (<c>worker serve</c>); null keeps it skipped.</param>
    internal TargetBuildJob(WorkerRuntime runtime, IBuildStore store, IBackgroundJobClient jobs, Func<OciReference, IOciRepository> open, ITargetObserver? observer, CpuReroute? reroute)
        : this(runtime, store, jobs, open, observer) => _reroute = reroute;

    public TargetBuildJob(WorkerRuntime runtime, IBuildStore store, IBackgroundJobClient jobs, Func<OciReference, IOciRepository> open, ITargetObserver? observer = null)
    {
        _runtime = runtime;
        _store = store;
        _jobs = jobs;
        _open = open;
        _observer = observer ?? ITargetObserver.None;
    }

    public async Task RunAsync(string buildId, string name, int attempt, PerformContext? context, CancellationToken cancellationToken)
    {
        // A job of an older attempt (its worker was lost, the farm enqueued a new one) is refused here: it ends at once.
        if (await _store.GetAsync(buildId, cancellationToken).ConfigureAwait(false) is not { } build
            || !await _store.StartTargetAsync(buildId, name, _runtime.Name, attempt, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watch = WatchForCancelAsync(buildId, name, cancel);
        var log = new TargetLog(_store, buildId, name);
        TargetOutcome outcome;
        try
        {
            outcome = await new TargetBuild(_runtime, _store, _open, _observer).RunAsync(build, name, log.Write, cancel.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            outcome = new TargetOutcome(TargetState.Cancelled, "cancelled");
        }
        catch (Exception ex) when (ex is RegistryException or IOException or HttpRequestException or OciFormatException)
        {
            var retry = context?.GetJobParameter<int>("RetryCount") ?? ITargetBuildJob.Retries;
            log.Write($"farm: {name}: attempt {retry + 1} failed: {ex.Message}");
            if (retry < ITargetBuildJob.Retries)
            {
                await _store.SetPhaseAsync(buildId, name, "retrying", CancellationToken.None).ConfigureAwait(false);
                throw;
            }

            outcome = new TargetOutcome(TargetState.Failed, $"{ex.Message} (after {retry + 1} attempts)");
        }
        finally
        {
            await cancel.CancelAsync().ConfigureAwait(false);
            await watch.ConfigureAwait(false);
            await log.DisposeAsync().ConfigureAwait(false);
        }

        if (_reroute is not null && await _reroute.TryMoveAsync(buildId, name, _runtime.Name, attempt, outcome, CancellationToken.None).ConfigureAwait(false))
        {
            return;
        }

        if (await _store.CompleteTargetAsync(buildId, name, outcome, CancellationToken.None).ConfigureAwait(false) == 0)
        {
            _jobs.Create(Hangfire.Common.Job.FromExpression<IAssembleJob>(j => j.AssembleAsync(buildId, CancellationToken.None), FarmQueues.Assemble), new Hangfire.States.EnqueuedState(FarmQueues.Assemble));
        }

        if (_observer != ITargetObserver.None
            && (await _store.GetTargetsAsync(buildId, CancellationToken.None).ConfigureAwait(false)).FirstOrDefault(t => t.Name == name) is { } target)
        {
            _observer.Finished(buildId, name, target.Queue, outcome);
        }
    }

    private async Task WatchForCancelAsync(string buildId, string name, CancellationTokenSource cancel)
    {
        try
        {
            // Woken by the store's signal (a NOTIFY on farm serve), else polled; the watch is taken before the first read.
            using var watch = _store.Watch(buildId, Farm.Core.Builds.Signals.BuildChanges.Targets);
            while (!cancel.IsCancellationRequested)
            {
                var targets = await _store.GetTargetsAsync(buildId, cancel.Token).ConfigureAwait(false);
                if (targets.FirstOrDefault(t => t.Name == name)?.State.IsFinal() == true)
                {
                    await cancel.CancelAsync().ConfigureAwait(false);
                    break;
                }

                await watch.WaitAsync(cancel.Token).ConfigureAwait(false);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
