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
public sealed class FarmFaultTests(PostgresServer postgres) : ServedFarmTests(postgres, "faults"), IClassFixture<PostgresServer>
{
    [Fact]
    public async Task WorkerKilledMidTarget_AnotherWorkerOfTheSameKindRetriesIt_AndTheIndexHasTheTargetOnce()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var farm = await StartFarmAsync();
        await farm.StartWorkerAsync("a", ["qemu-x86_64"], Ct);
        await farm.StartWorkerAsync("b", ["qemu-x86_64"], Ct);
        var id = await SubmitSlowAsync(farm, $"{registry.Host}/apps/slow:v1");
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
        await using var farm = await StartFarmAsync();
        await farm.StartWorkerAsync("a", ["qemu-x86_64"], Ct, ("ConnectionStrings__Redis", redis.Endpoint));
        var id = await SubmitSlowAsync(farm, $"{registry.Host}/apps/slow:v1");
        await farm.WaitForPhaseAsync(id, "build", Ct);

        await redis.DisposeAsync();
        var build = await farm.WaitAsync(id, Ct);

        Assert.True(build.GetProperty("state").GetString() == "succeeded", build.ToString());
        var cache = build.GetProperty("targets")[0].GetProperty("cache");
        Assert.True(cache.GetProperty("errors").GetInt64() > 0, cache.ToString());
        Assert.True(cache.GetProperty("misses").GetInt64() > 0, cache.ToString());
    }

    [Fact]
    public async Task RedisFrozenDuringABuild_TheBuildCompletes_WithTheErrorLoggedOnceAndCounted()
    {
        await using var redis = await RedisServer.StartAsync(ct: Ct);
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var farm = await StartFarmAsync();
        var metricsPort = Operations.ServedOperationsTests.FreePort();
        await farm.StartWorkerAsync("a", ["qemu-x86_64"], Ct, ("ConnectionStrings__Redis", redis.Endpoint), ("Farm__Worker__MetricsUrl", $"http://127.0.0.1:{metricsPort}/metrics"));
        var id = await SubmitSlowAsync(farm, $"{registry.Host}/apps/slow:frozen");
        await farm.WaitForPhaseAsync(id, "build", Ct);

        redis.Freeze();
        System.Text.Json.JsonElement build;
        string log;
        try
        {
            build = await farm.WaitAsync(id, Ct);
            log = await farm.Http.GetStringAsync($"/api/builds/{id}/logs?target=qemu/x86_64", Ct);
        }
        finally
        {
            redis.Thaw();
        }

        Assert.True(build.GetProperty("state").GetString() == "succeeded", build.ToString());
        Assert.True(build.GetProperty("targets")[0].GetProperty("cache").GetProperty("errors").GetInt64() > 0, build.ToString());
        var warnings = log.Split('\n').Where(l => l.Contains("warning", StringComparison.Ordinal) && l.Contains("edis", StringComparison.Ordinal)).ToList();
        Assert.True(warnings.Count == 1, log);

        // Visible in the metrics too (issue 19): the worker's Redis tier errors, and the target's at the farm.
        using var scraper = new HttpClient();
        var worker = await scraper.GetStringAsync($"http://127.0.0.1:{metricsPort}/metrics", Ct);
        var errors = build.GetProperty("targets")[0].GetProperty("cache").GetProperty("errors").GetInt64();
        Assert.Equal(errors, Operations.PrometheusText.Sum(worker, "farm_object_cache_errors_total", ("tier", "redis")));
        var farmMetrics = await farm.Http.GetStringAsync("/metrics", Ct);
        for (var deadline = DateTime.UtcNow.AddSeconds(30); Operations.PrometheusText.Sum(farmMetrics, "farm_target_object_cache_total", ("result", "error")) == 0 && DateTime.UtcNow < deadline;)
        {
            await Task.Delay(500, Ct);
            farmMetrics = await farm.Http.GetStringAsync("/metrics", Ct);
        }

        Assert.Equal(errors, Operations.PrometheusText.Sum(farmMetrics, "farm_target_object_cache_total", ("result", "error")));
    }

    [Fact]
    public async Task RegistryAnswers500ForAWhile_PushesRetryAndTheBuildPublishes()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        await using var farm = await StartFarmAsync();
        await farm.StartWorkerAsync("a", ["qemu-x86_64", "linuxu-x86_64"], Ct);
        proxy.FailNext(r => r.Method is "PUT" or "POST" or "PATCH", times: 3);

        var id = await SubmitHelloworldAsync(farm, $"{proxy.Host}/apps/hello:v1", "qemu/x86_64", "linuxu/x86_64");
        var build = await farm.WaitAsync(id, Ct);

        Assert.True(build.GetProperty("state").GetString() == "succeeded", build.ToString());
        Assert.Contains(proxy.Requests, r => r.StatusCode == 500);
        Assert.Equal(2, (await IndexAsync(registry.Host, "apps/hello", "v1")).Manifests.Count);
    }

    [Fact]
    public async Task FarmRestartedMidBuild_NoBuildIsLost()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var farm = await StartFarmAsync();
        await farm.StartWorkerAsync("a", ["qemu-x86_64"], Ct);
        var id = await SubmitSlowAsync(farm, $"{registry.Host}/apps/slow:v1");
        await farm.WaitForPhaseAsync(id, "build", Ct);

        // Down while the worker finishes the target and enqueues the assemble job: back only once the store says the
        // target is final, so the assemble job certainly waited for a farm that was not there.
        await farm.KillFarmAsync();
        await farm.WaitForFinalTargetsAsync(id, Ct);
        await farm.StartFarmAsync(Ct);
        var build = await farm.WaitAsync(id, Ct);

        Assert.True(build.GetProperty("state").GetString() == "succeeded", build.ToString());
        Assert.Single((await IndexAsync(registry.Host, "apps/slow", "v1")).Manifests);
    }

    [Fact]
    public async Task RegistryNeverAnswersTheTagPut_BuildFailsWithTheReason_AndTheOldTagStays()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        var old = await new RegistryRepository(new RegistryClient(registry.Host, new RegistryClientOptions { Insecure = true }), "apps/hello")
            .PutManifestAsync("""{"schemaVersion":2,"mediaType":"application/vnd.oci.image.index.v1+json","manifests":[]}"""u8.ToArray(), MediaTypes.ImageIndex, "v1", Ct);
        await using var farm = await StartFarmAsync(("Farm__Registry__RequestTimeoutSeconds", "5"));
        await farm.StartWorkerAsync("a", ["qemu-x86_64"], Ct);
        proxy.HangNext(r => r.Method == "PUT" && r.Path.EndsWith("/manifests/v1", StringComparison.Ordinal), times: 100);

        var id = await SubmitHelloworldAsync(farm, $"{proxy.Host}/apps/hello:v1", "qemu/x86_64");
        var waiting = Task.Run(async () =>
        {
            while (!proxy.Requests.Any(r => r.Path.EndsWith("/manifests/v1", StringComparison.Ordinal)))
            {
                await Task.Delay(50, Ct);
            }

            return System.Diagnostics.Stopwatch.StartNew();
        }, Ct);
        var build = await farm.WaitAsync(id, Ct, minutes: 3);
        TestContext.Current.TestOutputHelper?.WriteLine($"figure: tag PUT unanswered -> build failed in {(await waiting).Elapsed.TotalSeconds:0.0} s");

        Assert.True(build.GetProperty("state").GetString() == "failed", $"not failed within the 3-minute deadline set by the test: {build}");
        Assert.Contains($"publishing failed: {proxy.Host}: no answer to PUT /v2/apps/hello/manifests/v1 within 5 s (1 attempt)", build.GetProperty("reason").GetString(), StringComparison.Ordinal);
        Assert.Single(proxy.Requests, r => r.Method == "PUT" && r.Path.EndsWith("/manifests/v1", StringComparison.Ordinal));
        Assert.Equal(old, (await new RegistryRepository(new RegistryClient(registry.Host, new RegistryClientOptions { Insecure = true }), "apps/hello").TryGetManifestAsync("v1", Ct))!.Digest);
    }

    [Fact]
    public async Task RegistryNeverAnswersTheWorker_BuildFailsAtItsDeadline_NamingTheTargetItWaitedOn()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        await using var farm = await StartFarmAsync(("Farm__Builds__TimeoutMinutes", "1"));
        await farm.StartWorkerAsync("a", ["qemu-x86_64"], Ct);
        proxy.HangNext(_ => true, times: 1000);

        var submitted = System.Diagnostics.Stopwatch.StartNew();
        var id = await SubmitHelloworldAsync(farm, $"{proxy.Host}/apps/hello:v1", "qemu/x86_64");
        var build = await farm.WaitAsync(id, Ct, minutes: 3);
        TestContext.Current.TestOutputHelper?.WriteLine($"figure: 1-minute deadline, worker's registry silent -> build failed {submitted.Elapsed.TotalSeconds:0.0} s after submission");

        Assert.True(build.GetProperty("state").GetString() == "failed", $"not failed within the 3-minute deadline set by the test: {build}");
        // The phase is where the worker's first registry request hung (package, unless the build itself outlasted the deadline).
        Assert.Matches(
            @"^the build exceeded its 1-minute deadline \(Farm__Builds__TimeoutMinutes\) while waiting for target qemu/x86_64 \(running, [a-z]+, worker a\)$",
            build.GetProperty("reason").GetString());
        Assert.Equal("failed", build.GetProperty("targets")[0].GetProperty("state").GetString());
        Assert.DoesNotContain(proxy.Requests, r => r.Path.EndsWith("/manifests/v1", StringComparison.Ordinal));
    }

    [Fact]
    public async Task FarmKilledDuringAssemble_TheBuildPublishesAfterRestart()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var proxy = await FaultProxy.StartAsync(registry.BaseUrl, Ct);
        await using var farm = await StartFarmAsync();
        await farm.StartWorkerAsync("a", ["qemu-x86_64"], Ct);
        proxy.HangNext(r => r.Method == "PUT" && r.Path.EndsWith("/manifests/v1", StringComparison.Ordinal), times: 1);

        var id = await SubmitHelloworldAsync(farm, $"{proxy.Host}/apps/hello:v1", "qemu/x86_64");
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!proxy.Requests.Any(r => r.Method == "PUT" && r.Path.EndsWith("/manifests/v1", StringComparison.Ordinal)))
        {
            Assert.True(DateTime.UtcNow < deadline, $"the farm never reached the tag within the 3-minute deadline set by the test: {await farm.GetAsync(id, Ct)}");
            await Task.Delay(100, Ct);
        }

        var killed = System.Diagnostics.Stopwatch.StartNew();
        await farm.KillFarmAsync();
        await farm.StartFarmAsync(Ct);
        var restarted = killed.Elapsed;
        var build = await farm.WaitAsync(id, Ct);
        TestContext.Current.TestOutputHelper?.WriteLine($"figure: farm killed mid-assemble -> restarted in {restarted.TotalSeconds:0.0} s -> published {killed.Elapsed.TotalSeconds:0.0} s after the kill");

        Assert.True(build.GetProperty("state").GetString() == "succeeded", build.ToString());
        Assert.Equal(build.GetProperty("indexDigest").GetString(), (await new RegistryRepository(new RegistryClient(registry.Host, new RegistryClientOptions { Insecure = true }), "apps/hello").TryGetManifestAsync("v1", Ct))!.Digest.Value);
        Assert.Equal(2, proxy.Requests.Count(r => r.Method == "PUT" && r.Path.EndsWith("/manifests/v1", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task TwentyBuildsAtOnce_AllComplete_AndNoTargetRunsTwiceToCompletion()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var farm = await StartFarmAsync();
        await farm.StartWorkerAsync("a", ["qemu-x86_64", "linuxu-x86_64"], Ct);
        await farm.StartWorkerAsync("b", ["qemu-x86_64", "linuxu-x86_64"], Ct);

        var ids = await Task.WhenAll(Enumerable.Range(0, 20).Select(i =>
            SubmitHelloworldAsync(farm, $"{registry.Host}/apps/hello:b{i}", "qemu/x86_64", "linuxu/x86_64")));
        var builds = await Task.WhenAll(ids.Select(id => farm.WaitAsync(id, Ct)));

        Assert.All(builds, b => Assert.True(b.GetProperty("state").GetString() == "succeeded", b.ToString()));
        // One job per target, begun by a worker once, never handed to a new job.
        foreach (var id in ids)
        {
            var runs = await RunsAsync(farm, id);
            Assert.Equal(2, runs.Count);
            Assert.All(runs, r => Assert.True(r is { State: "succeeded", Attempt: 0, Started: 1 }, $"{id}: {r}"));
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
