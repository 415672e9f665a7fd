using Farm.Cache.Stats;
using Farm.Core.Builds;

namespace Farm.Worker.Jobs;

/// <summary>
/// Told what each target job did, for what is counted outside the job (the worker's <c>/metrics</c>). Called on the
/// job's thread after the fact; an observer must be quick and never throw.
/// </summary>
public interface ITargetObserver
{
    /// <summary>The object cache's counters of one target's compiles, per tier (errors included: a tier that failed is a miss).</summary>
    void CacheCounted(CacheStatistics statistics);

    /// <summary>A target this worker ran reached its final state.</summary>
    void Finished(string buildId, string name, string queue, TargetOutcome outcome);

    public static readonly ITargetObserver None = new NoObserver();

    private sealed class NoObserver : ITargetObserver
    {
        public void CacheCounted(CacheStatistics statistics)
        {
        }

        public void Finished(string buildId, string name, string queue, TargetOutcome outcome)
        {
        }
    }
}
