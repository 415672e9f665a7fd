using Farm.Cache;
using Farm.Cache.Store;
using Farm.Core.Kraftfiles;
using Farm.Core.Planning;
using Farm.Core.Tests.Oci.TestRegistry;
using Farm.Worker.Builders;
using Farm.Worker.Caching;
using Farm.Worker.Capabilities;
using Farm.Worker.Pipeline;
using Farm.State.Sources;

namespace Farm.Worker.Tests.Caching;

/// <summary>
/// Target builds through farm-cc with a real cache: a second build in another directory hits every object and gives
/// the same kernel; a fresh worker (empty disk) gets its hits from the registry tier.
/// </summary>
public sealed class ObjectCacheTests
{
    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    /// <summary>farm-cc as built by `dotnet build` (JIT; the NativeAOT binary behaves the same, only faster to start).</summary>
    private static string Launcher
    {
        get
        {
            var dll = Path.Combine(TestPaths.RepositoryRoot, "cache", "Farm.Cache.Cc", "bin", "Release", "net10.0", "farm-cc.dll");
            Assert.True(File.Exists(dll), $"{dll} is missing: build the solution in Release first (./test.sh does)");
            return $"dotnet {dll}";
        }
    }

    private static async Task<TargetResult> BuildAsync(TempDirectory temp, CacheSettings settings)
    {
        var kraftfile = new KraftfileParser().Load(Path.Combine(TestPaths.Examples, "calculator")).Kraftfile!;
        var job = Planner.Plan(kraftfile).Plan!.Jobs.Single(j => j.Platform == "qemu" && j.Architecture == "x86_64");
        var capabilities = await CapabilityDetector.DetectAsync(null, Ct);
        var pipeline = new TargetPipeline(new SourceResolver(new GitCheckoutCache(temp.Combine("git"))), new UnikraftMakeBuilder(), capabilities, CapabilityDetector.Runners(capabilities));
        var options = new TargetPipelineOptions(temp.Combine("out")) { BuildDirectory = temp.Combine("build"), Cache = new ObjectCache(settings, Launcher) };
        return await pipeline.RunAsync(kraftfile, job, options, _ => { }, Ct);
    }

    private static CacheSettings Settings(string directory, string? registry = null) =>
        new(directory, CacheSettings.DefaultMaxSize, null, registry, CacheScope.TrustedScope, ReadOnly: false, PrefixMap: null);

    [Fact]
    public async Task Build_SameTargetInAnotherDirectory_HitsEveryObjectAndGivesTheSameKernel()
    {
        using var cache = new TempDirectory();
        using var first = new TempDirectory();
        using var second = new TempDirectory();

        var cold = await BuildAsync(first, Settings(cache.Path));
        var warm = await BuildAsync(second, Settings(cache.Path));

        Assert.True(cold.Succeeded && warm.Succeeded, cold.FailureReason + warm.FailureReason);
        Assert.Equal(0, cold.Cache!.Hits);
        Assert.True(cold.Cache.Misses > 5);
        Assert.Equal(cold.Cache.Misses, warm.Cache!.Hits);
        Assert.Equal(0, warm.Cache.Misses);
        Assert.Equal(cold.KernelSha256, warm.KernelSha256);
    }

    [Fact]
    public async Task Build_FreshWorkerWithEmptyDisk_HitsFromTheRegistryTier()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        using var firstCache = new TempDirectory();
        using var freshCache = new TempDirectory();
        using var first = new TempDirectory();
        using var second = new TempDirectory();
        var repository = $"{registry.Host}/farm-cache";

        var cold = await BuildAsync(first, Settings(firstCache.Path, repository));
        var fresh = await BuildAsync(second, Settings(freshCache.Path, repository));

        Assert.True(cold.Succeeded && fresh.Succeeded, cold.FailureReason + fresh.FailureReason);
        Assert.Equal(cold.Cache!.Misses, fresh.Cache!.Hits);
        Assert.Equal(0, fresh.Cache.Misses);
        Assert.Equal(cold.KernelSha256, fresh.KernelSha256);
    }

    [Fact]
    public async Task Build_RegistryDown_BuildsWithoutTheColdTier()
    {
        using var cache = new TempDirectory();
        using var build = new TempDirectory();

        var result = await BuildAsync(build, Settings(cache.Path, $"127.0.0.1:{Loopback.PickFreePort()}/farm-cache"));

        Assert.True(result.Succeeded, result.FailureReason);
        Assert.True(result.Cache!.Misses > 0);
    }
}
