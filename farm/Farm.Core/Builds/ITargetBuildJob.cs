using Hangfire;
using Hangfire.Server;

namespace Farm.Core.Builds;

/// <summary>
/// The job of one target, on its queue <c>plat-arch</c>. Named by interface so that the farm enqueues it without the
/// worker's code (it needs the worker only to embed one); workers implement it.
/// </summary>
public interface ITargetBuildJob
{
    /// <summary>Hangfire's tries of one target job after the first, for infrastructure errors (the registry down).</summary>
    public const int Retries = 2;

    /// <summary>
    /// Builds, boots and publishes the target. The retry attribute is here because jobs are created through this
    /// interface, and Hangfire reads filters from the type and method as created.
    /// </summary>
    /// <param name="attempt">0 at first; one more each time the farm gives the target to a new job after its worker was lost.</param>
    [AutomaticRetry(Attempts = Retries, DelaysInSeconds = [5, 30])]
    Task RunAsync(string buildId, string name, int attempt, PerformContext? context, CancellationToken cancellationToken);

    /// <summary>Enqueues a target's job on its queue (retries come back to the same queue).</summary>
    public static string Enqueue(IBackgroundJobClient jobs, string buildId, string name, string queue, int attempt = 0)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        return jobs.Create(Hangfire.Common.Job.FromExpression<ITargetBuildJob>(j => j.RunAsync(buildId, name, attempt, null, CancellationToken.None), queue), new Hangfire.States.EnqueuedState(queue));
    }
}
