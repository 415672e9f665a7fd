using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Core.Tests.Oci.TestRegistry;
using Farm.Tests.Support;

namespace Farm.Tests.Serve;

/// <summary>
/// Waits that must end, with real processes: targets no worker serves, a worker lost mid-target, and submissions
/// while git answers slowly. Deadlines here only prove that a wait ended; the figures are in docs/recovery-workers.md.
/// </summary>
public sealed class FarmRecoveryTests(PostgresServer postgres) : ServedFarmTests(postgres, "recovery"), IClassFixture<PostgresServer>
{
    private static readonly string[] QemuX86 = ["qemu/x86_64"];

    [Fact]
    public async Task Submit_TargetsNoWorkerServes_WithoutQueueWait_AreSkippedNamingTheQueue()
    {
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var farm = await StartFarmAsync(("Farm__Builds__QueueWaitMinutes", "0"));
        await farm.StartWorkerAsync("x86", ["linuxu-x86_64"], Ct);

        var id = await SubmitHelloworldAsync(farm, $"{registry.Host}/apps/hello:v1", "linuxu/x86_64", "fc/x86_64", "xen/x86_64");
        var build = await farm.WaitAsync(id, Ct, minutes: 3);

        var targets = Targets(build);
        Assert.True(targets["linuxu/x86_64"].GetProperty("state").GetString() == "succeeded", build.ToString());
        foreach (var (target, queue) in new[] { ("fc/x86_64", "fc-x86_64"), ("xen/x86_64", "xen-x86_64") })
        {
            Assert.Equal("skipped", targets[target].GetProperty("state").GetString());
            Assert.Equal($"no live worker serves queue {queue} (none seen; Farm__Builds__QueueWaitMinutes is 0)", targets[target].GetProperty("reason").GetString());
        }
    }

    [Fact]
    public async Task Submit_TargetsNoWorkerServes_WaitTheQueueWait_ThenFailNamingTheQueue()
    {
        await using var farm = await StartFarmAsync(("Farm__Builds__QueueWaitMinutes", "0.1"));

        var id = await SubmitHelloworldAsync(farm, "127.0.0.1:1/apps/hello:v1", "fc/x86_64");
        var waiting = await PollAsync(farm, id, b => b.GetProperty("state").GetString() == "queued" && b.GetProperty("targets").GetArrayLength() == 1, TimeSpan.FromMinutes(2));
        var build = await farm.WaitAsync(id, Ct, minutes: 2);

        Assert.Equal("waiting for a worker of queue fc-x86_64 (none seen)", waiting.GetProperty("targets")[0].GetProperty("reason").GetString());
        Assert.True(build.GetProperty("state").GetString() == "failed", build.ToString());
        var target = build.GetProperty("targets")[0];
        Assert.Equal("failed", target.GetProperty("state").GetString());
        Assert.Equal("no worker of queue fc-x86_64 appeared within 6 s (Farm__Builds__QueueWaitMinutes) (none seen)", target.GetProperty("reason").GetString());
    }

    [Fact]
    public async Task WorkerKilledMidTarget_RunsAgainOnAnotherWorkerWithinSeconds_AndIsPublishedOnce()
    {
        // Hangfire's invisibility timeout at two minutes, as deployed: only the heartbeat can bring the target back in time.
        (string, string) invisibility = ("Farm__Hangfire__InvisibilitySeconds", "120");
        await using var registry = await RegistryServer.StartAsync(ct: Ct);
        await using var farm = await StartFarmAsync(invisibility, ("Farm__Workers__DeadAfterSeconds", "5"));
        await farm.StartWorkerAsync("a", ["qemu-x86_64"], Ct, invisibility);
        await farm.StartWorkerAsync("b", ["qemu-x86_64"], Ct, invisibility);
        var id = await SubmitSlowAsync(farm, $"{registry.Host}/apps/slow:v1");
        var victim = await farm.WaitForPhaseAsync(id, "build", Ct);

        await farm.KillWorkerAsync(victim);
        var killed = Stopwatch.StartNew();
        var again = await PollAsync(farm, id, b => b.GetProperty("targets")[0] is var t && t.GetProperty("state").GetString() == "running" && t.GetProperty("worker").GetString() is { } w && w != victim, TimeSpan.FromSeconds(20));
        var runningAgain = killed.Elapsed;
        var build = await farm.WaitAsync(id, Ct, minutes: 3);
        var published = killed.Elapsed;

        TestContext.Current.TestOutputHelper?.WriteLine($"kill → running again: {runningAgain.TotalSeconds:0.0} s; kill → published: {published.TotalSeconds:0.0} s");
        Assert.Equal($"retrying after worker {victim} was lost", again.GetProperty("targets")[0].GetProperty("reason").GetString());
        Assert.True(build.GetProperty("state").GetString() == "succeeded", build.ToString());
        var target = build.GetProperty("targets")[0];
        Assert.NotEqual(victim, target.GetProperty("worker").GetString());
        var log = await farm.Http.GetStringAsync($"/api/builds/{id}/logs?target=qemu/x86_64", Ct);
        Assert.Contains($"worker {victim} lost (no heartbeat for", log, StringComparison.Ordinal);
        // Handed to a new job exactly once, and final once (the store's row), on the worker that was not killed.
        var run = (await RunsAsync(farm, id)).Single();
        Assert.Equal(("succeeded", 1), (run.State, run.Attempt));
        Assert.NotEqual(victim, run.Worker);
        var repository = new RegistryRepository(new RegistryClient(registry.Host, new RegistryClientOptions { Insecure = true }), "apps/slow");
        var index = ImageIndex.Parse((await repository.TryGetManifestAsync("v1", Ct))!.Bytes);
        Assert.Equal([target.GetProperty("manifestDigest").GetString()], index.Manifests.Select(m => m.Digest.Value));
    }

    [Fact]
    public async Task Submit_TwentyBuildsWhileGitAnswersSlowly_EachAnswersAtOnce_AndTheBuildsResolveAfterwards()
    {
        // Twenty repositories, so that every build's commit is a fetch of its own (a mirror each) through the slow server.
        var served = Path.Combine(Work, "served");
        for (var i = 0; i < 20; i++)
        {
            await SourceRepository.GitAsync(Work, Ct, "clone", "-q", "--bare", Source.Directory, Path.Combine(served, $"r{i}.git"));
        }

        // Closed: git answers nothing until every submit has been answered, so a submit that waited for git never answers.
        await using var git = await SlowGitServer.StartAsync(served, TimeSpan.FromSeconds(2), Ct, open: false);
        await using var farm = await StartFarmAsync(("Farm__Sources__Allow__1", git.AllowPattern));
        // The first request of a fresh process pays for its JIT; it is also the build of a commit the server lacks.
        var unknown = await farm.SubmitAsync(git.Url("r0.git"), new string('0', 40), "helloworld/Kraftfile", "127.0.0.1:1/apps/hello:x", ["qemu/x86_64"], Ct);

        var answered = new List<TimeSpan>();
        var ids = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            var watch = Stopwatch.StartNew();
            var body = JsonSerializer.Serialize(new { source = new { git = git.Url($"r{i}.git"), commit = Source.Commit }, kraftfile = "helloworld/Kraftfile", image = $"127.0.0.1:1/apps/hello:b{i}", targets = QemuX86 });
            var response = await farm.Http.PostAsync("/api/builds", new StringContent(body, Encoding.UTF8, "application/json"), Ct);
            answered.Add(watch.Elapsed);
            var json = await FarmCluster.JsonAsync(response, Ct);
            Assert.True(response.StatusCode == HttpStatusCode.Accepted, json.ToString());
            Assert.Equal("resolving", json.GetProperty("state").GetString());
            ids.Add(json.GetProperty("id").GetString()!);
        }

        // The resolver reaches git in the background; until git answers, the builds say they are resolving.
        for (var waited = Stopwatch.StartNew(); git.Connections == 0; await Task.Delay(100, Ct))
        {
            Assert.True(waited.Elapsed < TimeSpan.FromMinutes(2), "the farm opened no git connection in 2 minutes: the resolver never ran");
        }

        Assert.Equal("resolving", (await farm.GetAsync(ids[^1], Ct)).GetProperty("state").GetString());
        git.Open();

        // One at a time: twenty pollers would pass the API's rate limit.
        var builds = new List<JsonElement>();
        foreach (var id in ids)
        {
            builds.Add(await PollAsync(farm, id, b => b.GetProperty("state").GetString() != "resolving", TimeSpan.FromMinutes(4)));
        }

        var failed = await farm.WaitAsync(unknown, Ct, minutes: 2);

        TestContext.Current.TestOutputHelper?.WriteLine($"submit answered in {string.Join(", ", answered.Select(a => $"{a.TotalMilliseconds:0}"))} ms; git connections: {git.Connections}");
        // Every submit was answered while git held every connection: none waited for it (the times are in docs/benchmarks.md).
        Assert.All(builds, b => Assert.True(b.GetProperty("state").GetString() == "queued" && b.GetProperty("targets").GetArrayLength() == 1, b.ToString()));
        Assert.True(git.Connections >= 20, $"{git.Connections} connections");
        Assert.Equal("failed", failed.GetProperty("state").GetString());
        Assert.StartsWith("source: ", failed.GetProperty("reason").GetString(), StringComparison.Ordinal);
    }

    private static Dictionary<string, JsonElement> Targets(JsonElement build) =>
        build.GetProperty("targets").EnumerateArray().ToDictionary(t => $"{t.GetProperty("platform").GetString()}/{t.GetProperty("architecture").GetString()}");

    [Fact]
    public async Task TargetQueuedByAnOlderFarm_WithoutAStoredPlan_FailsNamingTheUpgradeOrder()
    {
        // A rolling upgrade: an older farm enqueued the job with the same arguments but stored no plan with the target.
        // The new worker neither plans it again nor builds anything else; it fails the target saying what to do.
        await using var farm = await StartFarmAsync();
        var id = await farm.SubmitAsync(Source.Url, Source.Commit, "helloworld/Kraftfile", "127.0.0.1:1/apps/hello:v1", ["linuxu/x86_64"], Ct);
        await PollAsync(farm, id, b => b.GetProperty("state").GetString() == "queued" && b.GetProperty("targets").GetArrayLength() == 1, TimeSpan.FromMinutes(2));
        await using (var database = Npgsql.NpgsqlDataSource.Create(farm.Database))
        {
            await using var older = database.CreateCommand("UPDATE farm.targets SET plan = NULL WHERE build_id = $1 AND plan IS NOT NULL");
            older.Parameters.Add(new Npgsql.NpgsqlParameter { Value = id });
            Assert.Equal(1, await older.ExecuteNonQueryAsync(Ct));
        }

        await farm.StartWorkerAsync("x86", ["linuxu-x86_64"], Ct);
        var build = await farm.WaitAsync(id, Ct, minutes: 3);

        var target = build.GetProperty("targets")[0];
        Assert.True(target.GetProperty("state").GetString() == "failed", build.ToString());
        Assert.Equal("this target was planned by an older farm that did not store its plan: upgrade the farm before its workers, then submit the build again", target.GetProperty("reason").GetString());
    }

    /// <summary>Polls the build until <paramref name="done"/> holds; fails when <paramref name="deadline"/> passes first.</summary>
    private static async Task<JsonElement> PollAsync(FarmCluster farm, string id, Func<JsonElement, bool> done, TimeSpan deadline)
    {
        var watch = Stopwatch.StartNew();
        while (true)
        {
            var build = await farm.GetAsync(id, Ct);
            if (done(build))
            {
                return build;
            }

            if (watch.Elapsed > deadline)
            {
                throw new TimeoutException($"build {id} after {deadline.TotalSeconds:0} s: {build}");
            }

            await Task.Delay(250, Ct);
        }
    }
}
