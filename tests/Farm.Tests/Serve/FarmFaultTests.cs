using Farm.Cache.Tests.Support;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Core.Tests.Oci.TestRegistry;
using Farm.Tests.Support;

namespace Farm.Tests.Serve;

/// <summary>
/// What a deployed farm must survive, each with real processes: a worker killed mid-target, Redis stopping, the
/// registry failing for a while, the farm restarting mid-build, and many builds at once.
/// </summary>
public sealed class FarmFaultTests(PostgresServer postgres) : IClassFixture<PostgresServer>, IAsyncLifetime
{
    private readonly string _work = Directory.CreateTempSubdirectory("farm-faults-").FullName;
    private SourceRepository _source = null!;

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public async ValueTask InitializeAsync() =>
        // "slow": helloworld whose make takes a few seconds more (each make run sleeps while reading Makefile.uk), so
        // that a test can act while it builds.
        _source = await SourceRepository.CreateAsync(
            Path.Combine(_work, "src"),
            Ct,
            ("slow", SourceRepository.HelloworldWith(
                "spec: v0.6\nname: slow\nunikraft: ../fixture-core\ntargets:\n- qemu/x86_64\nx-farm:\n  smoke:\n    expect: \"Hello, world!\"\n",
                "SLOW_APP_PAUSE := $(shell sleep 3)\n")));

    public ValueTask DisposeAsync()
    {
        Directory.Delete(_work, recursive: true);
        return ValueTask.CompletedTask;
    }

    [Fact]
    public async Task WorkerKilledMidTarget_AnotherWorkerOfTheSameKindRetriesIt_AndTheIndexHasTheTargetOnce()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var farm = await FarmCluster.StartAsync(postgres, Path.Combine(_work, "farm"), Ct);
        await farm.StartWorkerAsync("a", ["qemu-x86_64"], Ct);
        await farm.StartWorkerAsync("b", ["qemu-x86_64"], Ct);
        var id = await farm.SubmitAsync(_source.Url, _source.Commit, "slow/Kraftfile", $"{registry.Host}/apps/slow:v1", [], Ct);
        var victim = await farm.WaitForPhaseAsync(id, "build", Ct);

        await farm.KillWorkerAsync(victim);
        var build = await farm.WaitAsync(id, Ct);

        Assert.True(build.GetProperty("state").GetString() == "succeeded", build.ToString());
        var target = build.GetProperty("targets")[0];
        Assert.NotEqual(victim, target.GetProperty("worker").GetString());
        var index = await IndexAsync(registry.Host, "apps/slow", "v1");
        Assert.Equal([target.GetProperty("manifestDigest").GetString()], index.Manifests.Select(m => m.Digest.Value));
    }

    [Fact]
    public async Task RedisStopsDuringABuild_TheBuildCompletesUncached_WithTheErrorsCounted()
    {
        var redis = await RedisServer.StartAsync(ct: Ct);
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var farm = await FarmCluster.StartAsync(postgres, Path.Combine(_work, "farm"), Ct);
        await farm.StartWorkerAsync("a", ["qemu-x86_64"], Ct, ("ConnectionStrings__Redis", redis.Endpoint));
        var id = await farm.SubmitAsync(_source.Url, _source.Commit, "slow/Kraftfile", $"{registry.Host}/apps/slow:v1", [], Ct);
        await farm.WaitForPhaseAsync(id, "build", Ct);

        await redis.DisposeAsync();
        var build = await farm.WaitAsync(id, Ct);

        Assert.True(build.GetProperty("state").GetString() == "succeeded", build.ToString());
        var cache = build.GetProperty("targets")[0].GetProperty("cache");
        Assert.True(cache.GetProperty("errors").GetInt64() > 0, cache.ToString());
        Assert.True(cache.GetProperty("misses").GetInt64() > 0, cache.ToString());
    }

    [Fact]
    public async Task RegistryAnswers500ForAWhile_PushesRetryAndTheBuildPublishes()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        await using var farm = await FarmCluster.StartAsync(postgres, Path.Combine(_work, "farm"), Ct);
        await farm.StartWorkerAsync("a", ["qemu-x86_64", "linuxu-x86_64"], Ct);
        proxy.FailNext(r => r.Method is "PUT" or "POST" or "PATCH", times: 3);

        var id = await farm.SubmitAsync(_source.Url, _source.Commit, "helloworld/Kraftfile", $"{proxy.Host}/apps/hello:v1", ["qemu/x86_64", "linuxu/x86_64"], Ct);
        var build = await farm.WaitAsync(id, Ct);

        Assert.True(build.GetProperty("state").GetString() == "succeeded", build.ToString());
        Assert.Contains(proxy.Requests, r => r.StatusCode == 500);
        Assert.Equal(2, (await IndexAsync(registry.Host, "apps/hello", "v1")).Manifests.Count);
    }

    [Fact]
    public async Task FarmRestartedMidBuild_NoBuildIsLost()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var farm = await FarmCluster.StartAsync(postgres, Path.Combine(_work, "farm"), Ct);
        await farm.StartWorkerAsync("a", ["qemu-x86_64"], Ct);
        var id = await farm.SubmitAsync(_source.Url, _source.Commit, "slow/Kraftfile", $"{registry.Host}/apps/slow:v1", [], Ct);
        await farm.WaitForPhaseAsync(id, "build", Ct);

        // Down while the worker finishes the target and enqueues the assemble job; back a little later.
        await farm.KillFarmAsync();
        await Task.Delay(TimeSpan.FromSeconds(8), Ct);
        await farm.StartFarmAsync(Ct);
        var build = await farm.WaitAsync(id, Ct);

        Assert.True(build.GetProperty("state").GetString() == "succeeded", build.ToString());
        Assert.Single((await IndexAsync(registry.Host, "apps/slow", "v1")).Manifests);
    }

    [Fact]
    public async Task TwentyBuildsAtOnce_AllComplete_AndNoTargetRunsTwiceToCompletion()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var farm = await FarmCluster.StartAsync(postgres, Path.Combine(_work, "farm"), Ct);
        await farm.StartWorkerAsync("a", ["qemu-x86_64", "linuxu-x86_64"], Ct);
        await farm.StartWorkerAsync("b", ["qemu-x86_64", "linuxu-x86_64"], Ct);

        var ids = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            farm.SubmitAsync(_source.Url, _source.Commit, "helloworld/Kraftfile", $"{registry.Host}/apps/hello:b{i}", ["qemu/x86_64", "linuxu/x86_64"], Ct)));
        var builds = await Task.WhenAll(ids.Select(id => farm.WaitAsync(id, Ct)));

        Assert.All(builds, b => Assert.True(b.GetProperty("state").GetString() == "succeeded", b.ToString()));
        foreach (var id in ids)
        {
            foreach (var target in new[] { "qemu/x86_64", "linuxu/x86_64" })
            {
                var log = await farm.Http.GetStringAsync($"/api/builds/{id}/logs?target={target}", Ct);
                var completions = log.Split('\n').Count(l => l.Contains("smoke test passed", StringComparison.Ordinal) || l.Contains("target cache hit", StringComparison.Ordinal));
                Assert.True(completions == 1, $"{id} {target}: {log}");
            }
        }

        Assert.Equal(20, (await Task.WhenAll(ids.Select((_, i) => IndexAsync(registry.Host, "apps/hello", $"b{i}")))).Count(index => index.Manifests.Count == 2));
    }

    private static async Task<ImageIndex> IndexAsync(string host, string repository, string tag)
    {
        var client = new RegistryRepository(new RegistryClient(host, new RegistryClientOptions { Insecure = true }), repository);
        var fetched = await client.TryGetManifestAsync(tag, Ct);
        Assert.NotNull(fetched);
        return ImageIndex.Parse(fetched.Bytes);
    }
}
