using Farm.Cache.Stats;
using Farm.Core.Builds;
using Farm.Worker.Targets;

namespace Farm.Worker.Tests.Telemetry;

/// <summary>What the farm stores per target for the cache page: each real tier's hits, errors and bytes, never the broker.</summary>
public sealed class CacheTierFiguresTests
{
    [Fact]
    public async Task From_SandboxedAndPlainCompiles_CountsTheTierThatAnswered_NotTheBroker()
    {
        var events = Path.GetTempFileName();
        try
        {
            // Two sandboxed hits the broker got from local and Redis, one plain hit from Redis with its bytes, a registry error.
            await File.WriteAllLinesAsync(events, ["hit broker k1", "hit broker k2", "answered local 1", "answered redis 1", "hit redis k3", "bytes redis 4096", "error registry HttpRequestException", "miss k4"], TestContext.Current.CancellationToken);

            var tiers = CacheTierFigures.From(CacheStatistics.Read(events));

            Assert.Equal(["local", "redis", "registry"], tiers.Keys.Order(StringComparer.Ordinal));
            Assert.Equal(new TierUse(1, 0, 0), tiers["local"]);
            Assert.Equal(new TierUse(2, 0, 4096), tiers["redis"]);
            Assert.Equal(new TierUse(0, 1, 0), tiers["registry"]);
            Assert.Empty(CacheTierFigures.From(null));
        }
        finally
        {
            File.Delete(events);
        }
    }
}
