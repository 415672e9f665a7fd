using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Microsoft.Extensions.Logging;

namespace Farm.Core.Builds;

/// <summary>
/// When Hangfire gives up on a job (it failed and no retry is left), the farm's state says so: a target job's target
/// fails with the exception's message (and, the last one open, enqueues the assemble job as a completion would), an
/// assemble job's build fails. Without it such a job sits in Hangfire's failed list while its build shows "running".
/// Runs after <see cref="AutomaticRetryAttribute"/> (order 20), which turns a failure with retries left into a
/// scheduled retry; only a failure still elected after it is final.
/// </summary>
public sealed partial class JobFailureFilter : IElectStateFilter
{
    /// <summary>After <see cref="AutomaticRetryAttribute"/>'s default order of 20.</summary>
    public const int Order = 30;
    private readonly IBuildStore _store;
    private readonly IBackgroundJobClient _jobs;
    private readonly ILogger _logger;

    public JobFailureFilter(IBuildStore store, IBackgroundJobClient jobs, ILogger logger)
    {
        _store = store;
        _jobs = jobs;
        _logger = logger;
    }

    /// <summary>Hangfire's filters (attributes and global ones) and this one, for a server's <see cref="BackgroundJobServerOptions.FilterProvider"/>.</summary>
    public static IJobFilterProvider With(IBuildStore store, IBackgroundJobClient jobs, ILogger logger) =>
        new JobFilterProviderCollection(JobFilterProviders.Providers, new JobFilterCollection { { new JobFailureFilter(store, jobs, logger), Order } });

    public void OnStateElection(ElectStateContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (context.CandidateState is not FailedState failed || context.BackgroundJob?.Job is not { } job)
        {
            return;
        }

        var why = failed.Exception is { } ex ? $"{ex.GetType().Name}: {ex.Message}" : "the job failed";
        try
        {
            // Filters are synchronous; the store's calls are short and this runs on a Hangfire worker thread.
            if (job.Type == typeof(ITargetBuildJob) && job.Args is [string buildId, string name, ..])
            {
                var outcome = new TargetOutcome(TargetState.Failed, $"{why} (gave up after {ITargetBuildJob.Retries + 1} attempts)");
                if (_store.CompleteTargetAsync(buildId, name, outcome, CancellationToken.None).GetAwaiter().GetResult() == 0)
                {
                    _jobs.Create(Job.FromExpression<IAssembleJob>(j => j.AssembleAsync(buildId, CancellationToken.None), FarmQueues.Assemble), new EnqueuedState(FarmQueues.Assemble));
                }
            }
            else if (job.Type == typeof(IAssembleJob) && job.Args is [string build, ..])
            {
                _store.FinishAsync(build, BuildState.Failed, null, $"publishing failed: {why} (gave up after {IAssembleJob.Retries + 1} attempts)", CancellationToken.None).GetAwaiter().GetResult();
            }
        }
#pragma warning disable CA1031 // A filter that throws would stall the job's state change; the build's deadline ends it anyway.
        catch (Exception recording)
#pragma warning restore CA1031
        {
            Log.RecordingFailed(_logger, recording, context.BackgroundJob.Id, job.Type.Name);
        }
    }
}
