using System.Diagnostics;
using System.Net;
using System.Text.Json;
using Farm.Core.Tests.Oci.TestRegistry;
using Farm.Tests.Support;

namespace Farm.Tests.Serve;

/// <summary>
/// <c>POST /api/workers/{name}/drain</c> and <c>/resume</c> with real processes (the rolling upgrade of
/// ansible/playbooks/upgrade-workers.yml): a drained worker finishes the target it runs, once, and takes no new one
/// until resumed.
/// </summary>
public sealed class WorkerDrainTests(PostgresServer postgres) : ServedFarmTests(postgres, "drain"), IClassFixture<PostgresServer>
{
    [Fact]
    public async Task Drain_WhileATargetBuilds_FinishesItOnce_TakesNoNewTarget_UntilResumed()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var farm = await StartFarmAsync();
        await farm.StartWorkerAsync("a", ["qemu-x86_64"], Ct);
        var first = await SubmitSlowAsync(farm, $"{registry.Host}/apps/slow:v1");
        await farm.WaitForPhaseAsync(first, "build", Ct);

        var drained = await farm.Http.PostAsync("/api/workers/a/drain", null, Ct);
        var second = await SubmitSlowAsync(farm, $"{registry.Host}/apps/slow:v2");
        var firstBuild = await farm.WaitAsync(first, Ct, minutes: 3);
        var worker = await WaitForDrainAsync(farm, "a", "drained", TimeSpan.FromMinutes(1));
        // Several heartbeats after the drain was confirmed: a worker that still fetched would have started it.
        await Task.Delay(WorkerHeartbeats(3), Ct);
        var waiting = await farm.GetAsync(second, Ct);
        var resumed = await farm.Http.PostAsync("/api/workers/a/resume", null, Ct);
        var secondBuild = await farm.WaitAsync(second, Ct, minutes: 3);

        Assert.Equal(HttpStatusCode.Accepted, drained.StatusCode);
        Assert.Equal("draining", (await FarmCluster.JsonAsync(drained, Ct)).GetProperty("drain").GetString());
        var log = await farm.Http.GetStringAsync($"/api/builds/{first}/logs?target=qemu/x86_64", Ct);
        Assert.True(firstBuild.GetProperty("state").GetString() == "succeeded", $"{firstBuild}\n{log}");
        Assert.Equal("a", firstBuild.GetProperty("targets")[0].GetProperty("worker").GetString());
        // Once, on a: one job began it, never handed to a new job, and no Hangfire retry ("attempt N failed").
        Assert.Equal(("succeeded", "a", 0, 1L), (await RunsAsync(farm, first)).Single() is var run ? (run.State, run.Worker, run.Attempt, run.Started) : default);
        Assert.DoesNotContain("attempt", log, StringComparison.Ordinal);
        Assert.Equal("alive", worker.GetProperty("state").GetString());
        Assert.True(waiting.GetProperty("targets")[0].GetProperty("state").GetString() == "queued", waiting.ToString());
        Assert.Equal(HttpStatusCode.Accepted, resumed.StatusCode);
        Assert.Equal("serving", (await FarmCluster.JsonAsync(resumed, Ct)).GetProperty("drain").GetString());
        Assert.True(secondBuild.GetProperty("state").GetString() == "succeeded", secondBuild.ToString());
    }

    [Fact]
    public async Task Drain_SurvivesTheWorkersRestart_ItTakesNothingUntilResumed()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var farm = await StartFarmAsync();
        await farm.StartWorkerAsync("a", ["linuxu-x86_64"], Ct);
        await farm.Http.PostAsync("/api/workers/a/drain", null, Ct);
        await WaitForDrainAsync(farm, "a", "drained", TimeSpan.FromMinutes(1));

        // The upgrade: stop, start the new binaries; the worker comes back drained.
        await farm.KillWorkerAsync("a");
        await farm.StartWorkerAsync("a", ["linuxu-x86_64"], Ct);
        var id = await SubmitHelloworldAsync(farm, $"{registry.Host}/apps/hello:v1", "linuxu/x86_64");
        await Task.Delay(WorkerHeartbeats(3), Ct);
        var waiting = await farm.GetAsync(id, Ct);
        await farm.Http.PostAsync("/api/workers/a/resume", null, Ct);
        var build = await farm.WaitAsync(id, Ct, minutes: 3);

        Assert.True(waiting.GetProperty("state").GetString() is "queued" or "resolving", waiting.ToString());
        Assert.True(waiting.GetProperty("targets").EnumerateArray().All(t => t.GetProperty("state").GetString() == "queued"), waiting.ToString());
        Assert.True(build.GetProperty("state").GetString() == "succeeded", build.ToString());
    }

    [Fact]
    public async Task DrainAndResume_UnknownWorker_Are404_WithoutToken_Are401()
    {
        await using var farm = await StartFarmAsync();
        using var anonymous = new HttpClient { BaseAddress = farm.Http.BaseAddress };

        var unknown = await farm.Http.PostAsync("/api/workers/nobody/drain", null, Ct);
        var unknownResume = await farm.Http.PostAsync("/api/workers/nobody/resume", null, Ct);
        var unauthenticated = await anonymous.PostAsync("/api/workers/nobody/drain", null, Ct);

        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal("no worker nobody", (await FarmCluster.JsonAsync(unknown, Ct)).GetProperty("error").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknownResume.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, unauthenticated.StatusCode);
    }

    private static TimeSpan WorkerHeartbeats(int count) => Farm.State.Postgres.WorkerRegistry.HeartbeatInterval * count;

    /// <summary>Polls <c>GET /api/workers</c> until the worker's drain is <paramref name="drain"/>; fails naming the last answer.</summary>
    private static async Task<JsonElement> WaitForDrainAsync(FarmCluster farm, string name, string drain, TimeSpan deadline)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var workers = JsonDocument.Parse(await farm.Http.GetStringAsync("/api/workers", Ct)).RootElement;
            var worker = workers.EnumerateArray().Single(w => w.GetProperty("name").GetString() == name);
            if (worker.GetProperty("drain").GetString() == drain)
            {
                return worker;
            }

            Assert.True(watch.Elapsed < deadline, $"worker {name} never became {drain}: {workers}");
            await Task.Delay(200, Ct);
        }
    }
}
