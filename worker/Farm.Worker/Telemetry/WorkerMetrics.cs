using Farm.Cache.Stats;
using Farm.Core.Builds;
using Farm.Worker.Jobs;
using Prometheus;

namespace Farm.Worker.Telemetry;

/// <summary>
/// What one worker counts, for its own <c>/metrics</c> (<c>Farm__Worker__MetricsUrl</c>): the object cache's hits and
/// misses, and per tier the lookups each answered and its errors (a miss is a miss in every tier), the targets it
/// finished, and its registry pushes. The fleet's view
/// (states, queues, durations) is the farm's <c>/metrics</c>, read from the store; these are what only the worker sees.
/// </summary>
public sealed class WorkerMetrics : ITargetObserver, IDisposable
{
    private const string BrokerTier = "broker";
    private static readonly string[] Tiers = ["local", "redis", "registry"];
    private readonly Counter _hits;
    private readonly Counter _tierHits;
    private readonly Counter _misses;
    private readonly Counter _errors;
    private readonly Counter _bytesRead;
    private readonly Counter _finished;
    private readonly RegistryCounters _registry;

    public WorkerMetrics(string worker)
    {
        Registry = Metrics.NewCustomRegistry();
        Registry.SetStaticLabels(new Dictionary<string, string> { ["worker"] = worker });
        var factory = Metrics.WithCustomRegistry(Registry);
        _hits = factory.CreateCounter("farm_object_cache_hits_total", "Compiles served by the object cache (farm-cc's count)");
        _tierHits = factory.CreateCounter("farm_object_cache_tier_hits_total", "Cache lookups each tier answered (a sandboxed build's broker asks the worker's tiers in order: local, redis); a compile's hit takes one or more", "tier");
        _misses = factory.CreateCounter("farm_object_cache_misses_total", "Cacheable compiles no tier had");
        _errors = factory.CreateCounter("farm_object_cache_errors_total", "Object-cache tier errors (each a miss; the build goes on), by tier", "tier");
        _bytesRead = factory.CreateCounter("farm_object_cache_read_bytes_total", "Bytes of objects farm-cc read from each tier (compiles outside the sandbox; a sandboxed build reads through the broker)", "tier");
        _finished = factory.CreateCounter("farm_worker_targets_total", "Targets this worker finished, by queue and state", "queue", "state");
        foreach (var tier in Tiers)
        {
            _tierHits.WithLabels(tier);
            _errors.WithLabels(tier);
        }

        _registry = new RegistryCounters(factory);
    }

    public CollectorRegistry Registry { get; }

    public void CacheCounted(CacheStatistics statistics)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        _hits.Inc(statistics.Hits);
        _misses.Inc(statistics.Misses);
        foreach (var (tier, counts) in statistics.Tiers)
        {
            if (tier == BrokerTier)
            {
                // A sandboxed compile's hit names the broker, which is no tier: the broker said which tier answered (Answered below).
                continue;
            }

            _bytesRead.WithLabels(tier).Inc(counts.BytesRead);

            _tierHits.WithLabels(tier).Inc(counts.Hits + counts.Answered);
            _errors.WithLabels(tier).Inc(counts.Errors);
        }
    }

    public void Finished(string buildId, string name, string queue, TargetOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        _finished.WithLabels(queue, outcome.State.Name()).Inc();
    }

    public void Dispose() => _registry.Dispose();
}
