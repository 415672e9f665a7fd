using Farm.Cache.Stats;
using Farm.Core.Builds;
using Farm.Worker.Telemetry;

namespace Farm.Worker.Tests.Telemetry;

/// <summary>What a worker's /metrics says after a target whose sandboxed compiles met a failing Redis (issue 19: cache faults visible in the metrics).</summary>
public sealed class WorkerMetricsTests
{
    [Fact]
    public async Task CacheCounted_ASandboxedTargetWithRedisErrors_CountsErrorsAndAnswersPerTier()
    {
        var events = Path.GetTempFileName();
        try
        {
            // farm-cc's lines (its tier is the broker) and the broker's own: two Redis timeouts, the local disk answered once.
            await File.WriteAllLinesAsync(events, ["hit broker k1", "miss k2", "miss k3", "error redis RedisTimeoutException", "error redis RedisTimeoutException", "answered local 1"], TestContext.Current.CancellationToken);
            using var metrics = new WorkerMetrics("w1");

            metrics.CacheCounted(CacheStatistics.Read(events));
            metrics.Finished("b1", "app_qemu-x86_64", "qemu-x86_64", new TargetOutcome(TargetState.Succeeded, null));
            using var text = new MemoryStream();
            await metrics.Registry.CollectAndExportAsTextAsync(text, TestContext.Current.CancellationToken);
            var exposition = System.Text.Encoding.UTF8.GetString(text.ToArray());

            Assert.Contains("farm_object_cache_errors_total{tier=\"redis\",worker=\"w1\"} 2", exposition, StringComparison.Ordinal);
            Assert.Contains("farm_object_cache_errors_total{tier=\"local\",worker=\"w1\"} 0", exposition, StringComparison.Ordinal);
            Assert.Contains("farm_object_cache_tier_hits_total{tier=\"local\",worker=\"w1\"} 1", exposition, StringComparison.Ordinal);
            Assert.Contains("farm_object_cache_hits_total{worker=\"w1\"} 1", exposition, StringComparison.Ordinal);
            Assert.Contains("farm_object_cache_misses_total{worker=\"w1\"} 2", exposition, StringComparison.Ordinal);
            Assert.Contains("farm_worker_targets_total{queue=\"qemu-x86_64\",state=\"succeeded\",worker=\"w1\"} 1", exposition, StringComparison.Ordinal);
            Assert.DoesNotContain("tier=\"broker\"", exposition, StringComparison.Ordinal);
        }
        finally
        {
            File.Delete(events);
        }
    }
}
