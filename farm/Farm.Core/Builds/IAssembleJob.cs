using Hangfire;

namespace Farm.Core.Builds;

/// <summary>
/// The farm-side job a worker enqueues (queue <see cref="FarmQueues.Assemble"/>) when its completion left no target
/// open. Named by interface so that a worker can enqueue it without the host's code; the host implements it.
/// </summary>
public interface IAssembleJob
{
    /// <summary>Hangfire's tries of one assemble job after the first; only what is not the registry's fault (the database) gets here.</summary>
    public const int Retries = 3;

    /// <summary>
    /// Registry failures end the build inside the job (the registry client already retried them within its deadline);
    /// what leaves the job is retried <see cref="Retries"/> times, then fails the build (<c>JobFailureFilter</c>).
    /// The attribute is here, not on the implementation: jobs are created through this interface, and Hangfire reads
    /// filters from the job's type and method as created, so one on the class would go unseen (and the default of 10
    /// retries would apply).
    /// </summary>
    [AutomaticRetry(Attempts = Retries, DelaysInSeconds = [10, 60, 300])]
    Task AssembleAsync(string buildId, CancellationToken cancellationToken);
}
