using Farm.Cache.Stats;
using Farm.Core.Builds;
using Farm.Worker.Jobs;
using Prometheus;

namespace Farm.Worker.Telemetry;

/// <summary>
/// What one worker counts, for its own <c>/metrics</c> (<c>Farm__Worker__MetricsUrl</c>): the object cache per tier
/// (hits, errors; misses are misses in every tier), the targets it finished, and its registry pushes. The fleet's view
/// (states, queues, durations) is the farm's <c>/metrics</c>, read from the store; these are what only the worker sees.
/// </summary>
public sealed class WorkerMetrics : ITargetObserver, IDisposable
{
    private static readonly string[] Tiers = ["local", "redis", "registry"];
    private readonly Counter _hits;
    private readonly Counter _misses;
    private readonly Counter _errors;
    private readonly Counter _bytesRead;
    private readonly Counter _finished;
    private readonly RegistryMeterBridge _registry;

    public WorkerMetrics(string worker)
    {
        Registry = Metrics.NewCustomRegistry();
        Registry.SetStaticLabels(new Dictionary<string, string> { ["worker"] = worker });
        var factory = Metrics.WithCustomRegistry(Registry);
        _hits = factory.CreateCounter("farm_object_cache_hits_total", "Compiles served by the object cache, by the tier that had the object", "tier");
        _misses = factory.CreateCounter("farm_object_cache_misses_total", "Cacheable compiles no tier had");
        _errors = factory.CreateCounter("farm_object_cache_errors_total", "Object-cache tier errors (each a miss; the build goes on), by tier", "tier");
        _bytesRead = factory.CreateCounter("farm_object_cache_read_bytes_total", "Bytes of objects read from each tier", "tier");
        _finished = factory.CreateCounter("farm_worker_targets_total", "Targets this worker finished, by queue and state", "queue", "state");
        foreach (var tier in Tiers)
        {
            _hits.WithLabels(tier);
            _errors.WithLabels(tier);
        }

        _registry = new RegistryMeterBridge(factory);
    }

    public CollectorRegistry Registry { get; }

    public void CacheCounted(CacheStatistics statistics)
    {
        ArgumentNullException.ThrowIfNull(statistics);
        _misses.Inc(statistics.Misses);
        foreach (var (tier, counts) in statistics.Tiers)
        {
            _hits.WithLabels(tier).Inc(counts.Hits);
            _errors.WithLabels(tier).Inc(counts.Errors);
            _bytesRead.WithLabels(tier).Inc(counts.BytesRead);
        }
    }

    public void Finished(string queue, TargetOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        _finished.WithLabels(queue, outcome.State.Name()).Inc();
    }

    public void Dispose() => _registry.Dispose();
}
