using Farm.Core.Builds;
using Npgsql;
using Prometheus;

namespace Farm.Operations;

/// <summary>
/// The farm's <c>/metrics</c>: a registry of its own (no process or runtime series: every series is <c>farm_...</c>),
/// filled before each scrape from PostgreSQL (<see cref="StoreSnapshot"/>), so the figures are the fleet's, whichever
/// worker did the work, plus the farm process's own registry pushes (index, signatures). Counters and histograms over
/// targets are read from the store's history at the first scrape and then from what finished since: they do not drop
/// when the farm restarts. Refreshes are serialised; a scrape whose store read fails answers 503 (Prometheus marks the
/// target down) rather than numbers that look true.
/// </summary>
internal sealed class FarmMetrics : IDisposable
{
    private static readonly double[] PickupBuckets = [0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900];
    private static readonly double[] BuildBuckets = [1, 5, 10, 30, 60, 120, 300, 600, 1200, 3600];
    private static readonly double[] BootBuckets = [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60];

    private readonly NpgsqlDataSource _database;
    private readonly TimeSpan _workerDeadAfter;
    private readonly IDisposable _meters;
    private readonly Gauge _builds;
    private readonly Gauge _targets;
    private readonly Gauge _queueDepth;
    private readonly Gauge _queueOldest;
    private readonly Gauge _workersOnline;
    private readonly Histogram _pickup;
    private readonly Histogram _buildSeconds;
    private readonly Histogram _bootSeconds;
    private readonly Histogram _buildDuration;
    private readonly Counter _targetsFinished;
    private readonly Counter _objectCache;
    private readonly Counter _targetCacheHits;
    private readonly HashSet<string> _queuesSeen = [];
    private readonly SemaphoreSlim _refreshing = new(1, 1);
    private DateTime _readUpTo = DateTime.MinValue;

    public FarmMetrics(NpgsqlDataSource database, TimeSpan workerDeadAfter)
    {
        _database = database;
        _workerDeadAfter = workerDeadAfter;
        Registry = Metrics.NewCustomRegistry();
        var factory = Metrics.WithCustomRegistry(Registry);
        _builds = factory.CreateGauge("farm_builds", "Builds in the farm's store, by state", "state");
        _targets = factory.CreateGauge("farm_targets", "Targets in the farm's store, by state", "state");
        _queueDepth = factory.CreateGauge("farm_queue_depth", "Targets waiting for a worker, by queue (plat-arch)", "queue");
        _queueOldest = factory.CreateGauge("farm_queue_oldest_job_age_seconds", "Age of the longest-waiting target of each queue (0 when none waits)", "queue");
        _workersOnline = factory.CreateGauge("farm_workers_online", "Workers whose heartbeat is younger than Farm__Workers__DeadAfterSeconds, by queue they serve", "queue");
        _pickup = factory.CreateHistogram("farm_target_pickup_seconds", "From a target queued to a worker starting it", new HistogramConfiguration { LabelNames = ["queue"], Buckets = PickupBuckets });
        _buildSeconds = factory.CreateHistogram("farm_target_build_seconds", "Compile time of built targets (target-cache hits are not built)", new HistogramConfiguration { LabelNames = ["queue"], Buckets = BuildBuckets });
        _bootSeconds = factory.CreateHistogram("farm_target_boot_seconds", "Smoke-test boot time of booted targets", new HistogramConfiguration { LabelNames = ["queue"], Buckets = BootBuckets });
        _buildDuration = factory.CreateHistogram("farm_build_duration_seconds", "From a build's submission to its final state", new HistogramConfiguration { LabelNames = ["state"], Buckets = BuildBuckets });
        _targetsFinished = factory.CreateCounter("farm_targets_finished_total", "Targets that reached a final state, by queue and state", "queue", "state");
        _objectCache = factory.CreateCounter("farm_target_object_cache_total", "Object-cache lookups of finished targets (all tiers; per tier on each worker's /metrics), by result: hit, miss, error", "result");
        _targetCacheHits = factory.CreateCounter("farm_target_cache_hits_total", "Targets served by the target cache (neither built nor booted)");
        foreach (var state in Enum.GetValues<BuildState>())
        {
            _builds.WithLabels(state.Name()).Set(0);
        }

        foreach (var state in Enum.GetValues<TargetState>())
        {
            _targets.WithLabels(state.Name()).Set(0);
        }

        foreach (var result in new[] { "hit", "miss", "error" })
        {
            _objectCache.WithLabels(result);
        }

        // The farm's own pushes (indexes, signatures); each worker counts its kernels on its own /metrics.
        _meters = new RegistryCounters(factory);
        Registry.AddBeforeCollectCallback(RefreshAsync);
    }

    public CollectorRegistry Registry { get; }

    public void Dispose()
    {
        _meters.Dispose();
        _refreshing.Dispose();
    }

    /// <summary>
    /// Reads the store's history once at start-up, in the background: the first scrape then reads only what finished
    /// since, instead of every target the farm ever built (seconds on a large store, past Prometheus' scrape timeout).
    /// </summary>
    public Task WarmUpAsync(CancellationToken cancellationToken) => RefreshAsync(cancellationToken);

    private async Task RefreshAsync(CancellationToken cancellationToken)
    {
        // One refresh at a time: two scrapes reading from the same point would count the same completions twice.
        await _refreshing.WaitAsync(cancellationToken).ConfigureAwait(false);
        try
        {
            await RefreshOnceAsync(cancellationToken).ConfigureAwait(false);
        }
        finally
        {
            _refreshing.Release();
        }
    }

    private async Task RefreshOnceAsync(CancellationToken cancellationToken)
    {
        var snapshot = await StoreSnapshot.ReadAsync(_database, _readUpTo, _workerDeadAfter, cancellationToken).ConfigureAwait(false);
        _readUpTo = snapshot.ReadUpTo;
        foreach (var state in Enum.GetValues<BuildState>())
        {
            _builds.WithLabels(state.Name()).Set(snapshot.Builds.GetValueOrDefault(state.Name()));
        }

        foreach (var state in Enum.GetValues<TargetState>())
        {
            _targets.WithLabels(state.Name()).Set(snapshot.Targets.GetValueOrDefault(state.Name()));
        }

        // A queue once seen stays at 0 rather than vanishing: "no one waits" and "no worker" are answers too.
        _queuesSeen.UnionWith(snapshot.Queues.Select(q => q.Queue).Concat(snapshot.WorkersOnline.Keys));
        foreach (var queue in _queuesSeen)
        {
            var waiting = snapshot.Queues.FirstOrDefault(q => q.Queue == queue);
            _queueDepth.WithLabels(queue).Set(waiting.Waiting);
            _queueOldest.WithLabels(queue).Set(waiting.OldestSeconds);
            _workersOnline.WithLabels(queue).Set(snapshot.WorkersOnline.GetValueOrDefault(queue));
        }

        foreach (var (queue, seconds) in snapshot.Pickups)
        {
            _pickup.WithLabels(queue).Observe(seconds);
        }

        foreach (var target in snapshot.Finished)
        {
            _targetsFinished.WithLabels(target.Queue, target.State).Inc();
            if (target.BuildSeconds is { } build && !target.Cached)
            {
                _buildSeconds.WithLabels(target.Queue).Observe(build);
            }

            if (target.BootSeconds is { } boot && !target.Cached)
            {
                _bootSeconds.WithLabels(target.Queue).Observe(boot);
            }

            _objectCache.WithLabels("hit").Inc(target.CacheHits);
            _objectCache.WithLabels("miss").Inc(target.CacheMisses);
            _objectCache.WithLabels("error").Inc(target.CacheErrors);
            if (target.Cached)
            {
                _targetCacheHits.Inc();
            }
        }

        foreach (var (state, seconds) in snapshot.FinishedBuilds)
        {
            _buildDuration.WithLabels(state).Observe(seconds);
        }
    }
}
