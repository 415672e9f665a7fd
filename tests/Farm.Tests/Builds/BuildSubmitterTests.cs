using Farm.Builds;
using Farm.Core.Builds;
using Farm.Core.Sources;
using Hangfire;
using Hangfire.InMemory;

namespace Farm.Tests.Builds;

/// <summary>
/// The submitter's parts with the in-memory store and Hangfire's in-memory storage: what is stored and enqueued for
/// each target, the errors that refuse a build (naming file and field), and planning a resolving build twice.
/// </summary>
public sealed class BuildSubmitterTests : IDisposable
{
    private const string TwoTargets = "spec: v0.6\nname: app\nunikraft: ./core\ntargets:\n- qemu/x86_64\n- fc/x86_64\n";
    private readonly string _root = Directory.CreateTempSubdirectory("farm-submitter-").FullName;
    private readonly InMemoryBuildStore _store = new();
    private readonly InMemoryStorage _jobs = new();

    public BuildSubmitterTests() => Directory.CreateDirectory(Path.Combine(_root, "core"));

    private static CancellationToken Ct => TestContext.Current.CancellationToken;

    public void Dispose()
    {
        _jobs.Dispose();
        Directory.Delete(_root, recursive: true);
    }

    [Fact]
    public async Task Submit_ATargetNoWorkerServes_IsStoredSkippedWithTheReason_TheOtherIsQueuedOnItsQueue()
    {
        var (build, errors) = await Submitter().SubmitAsync(Request(Kraftfile(TwoTargets)), Ct);

        Assert.Empty(errors);
        var targets = await _store.GetTargetsAsync(build!.Id, Ct);
        Assert.Equal([("app_qemu-x86_64", TargetState.Queued, null), ("app_fc-x86_64", TargetState.Skipped, "no worker serves fc-x86_64")], targets.Select(t => (t.Name, t.State, t.Reason)));
        Assert.Equal((1L, 0L, 0L), (Enqueued("qemu-x86_64"), Enqueued("fc-x86_64"), Enqueued(FarmQueues.Assemble)));
        Assert.Equal(("app", "Kraftfile", "sha256:upload"), (build.App, build.KraftfilePath, build.SourceDigest));
    }

    [Fact]
    public async Task Submit_NothingLeftToRun_GoesStraightToAssembling()
    {
        var (build, _) = await Submitter().SubmitAsync(Request(Kraftfile(TwoTargets), "fc/x86_64"), Ct);

        Assert.Equal([TargetState.Skipped], (await _store.GetTargetsAsync(build!.Id, Ct)).Select(t => t.State));
        Assert.Equal((0L, 1L), (Enqueued("fc-x86_64"), Enqueued(FarmQueues.Assemble)));
    }

    [Fact]
    public async Task Submit_ATargetTheKraftfileLacks_IsRefusedNamingWhatItHas()
    {
        var path = Kraftfile(TwoTargets);

        var (build, errors) = await Submitter().SubmitAsync(Request(path, "xen/x86_64"), Ct);

        Assert.Null(build);
        Assert.Equal([$"{path}: targets: xen/x86_64 not in this Kraftfile; it has qemu/x86_64 (app), fc/x86_64 (app)"], errors);
        Assert.Equal(0L, Enqueued("qemu-x86_64"));
    }

    [Fact]
    public async Task Submit_AnInvalidKraftfile_IsRefusedWithFileLineAndField_AndNothingIsStored()
    {
        var path = Kraftfile("spec: v0.6\nname: app\nunikraft: ./core\ntargets:\n- platform: qemu\n");

        var (build, errors) = await Submitter().SubmitAsync(Request(path), Ct);

        Assert.Null(build);
        Assert.Contains(errors, e => e.StartsWith($"{path}:5:", StringComparison.Ordinal) && e.Contains("targets[0].architecture", StringComparison.Ordinal));
        Assert.Empty((await _store.ListOpenAsync(DateTimeOffset.MaxValue, Ct)));
    }

    [Fact]
    public async Task Submit_ASourceOutsideTheUploadedTree_IsRefusedBeforeAnyWorkerReadsIt()
    {
        var path = Kraftfile("spec: v0.6\nname: app\nunikraft: ../../etc\ntargets:\n- qemu/x86_64\n");

        var (build, errors) = await Submitter().SubmitAsync(Request(path), Ct);

        Assert.Null(build);
        Assert.Contains(errors, e => e.Contains("unikraft", StringComparison.Ordinal) && e.Contains("name a path inside the repository", StringComparison.Ordinal));
        Assert.Equal(0L, Enqueued("qemu-x86_64"));
    }

    [Fact]
    public async Task Submit_AGitUrlOutsideTheAllowList_IsRefusedNamingIt()
    {
        var path = Kraftfile("spec: v0.6\nname: app\nunikraft:\n  source: https://evil.example/core.git\n  version: main\ntargets:\n- qemu/x86_64\n");

        var (build, errors) = await Submitter(new SourcePolicy(["https://github.com/unikraft/*"])).SubmitAsync(Request(path), Ct);

        Assert.Null(build);
        Assert.Contains(errors, e => e.Contains("https://evil.example/core.git", StringComparison.Ordinal));
    }

    [Fact]
    public async Task PlanResolving_RunTwice_PlansOnce_AndEnqueuesOnlyTargetsStillQueued()
    {
        var path = Kraftfile(TwoTargets);
        var resolving = new BuildRecord("r", "app", "Kraftfile", "127.0.0.1:1/apps/app:v1", "trusted", DateTimeOffset.UtcNow) { State = BuildState.Resolving };
        await _store.CreateAsync(resolving, [], Ct);
        var source = new GitSource(_root, "https://github.com/org/app.git", new string('a', 40));

        var first = await Submitter().PlanResolvingAsync(resolving, source, [], Ct);
        await _store.StartTargetAsync("r", "app_qemu-x86_64", "w1", 0, Ct);
        var second = await Submitter().PlanResolvingAsync(resolving, source, [], Ct);

        Assert.Empty(first);
        Assert.Empty(second);
        Assert.Equal(BuildState.Running, (await _store.GetAsync("r", Ct))!.State);
        // The first run enqueued qemu; the second found it running, and fc was skipped from the start.
        Assert.Equal((1L, 0L), (Enqueued("qemu-x86_64"), Enqueued("fc-x86_64")));
        Assert.Equal(path, Path.Combine(_root, (await _store.GetAsync("r", Ct))!.KraftfilePath));
    }

    [Fact]
    public async Task PlanResolving_BuildCancelledWhileResolving_EnqueuesNothing()
    {
        Kraftfile(TwoTargets);
        var resolving = new BuildRecord("r", "app", "Kraftfile", "127.0.0.1:1/apps/app:v1", "trusted", DateTimeOffset.UtcNow) { State = BuildState.Resolving };
        await _store.CreateAsync(resolving, [], Ct);
        await _store.CancelAsync("r", Ct);

        var errors = await Submitter().PlanResolvingAsync(resolving, new GitSource(_root, "https://github.com/org/app.git", new string('a', 40)), [], Ct);

        Assert.Empty(errors);
        Assert.Equal(BuildState.Cancelled, (await _store.GetAsync("r", Ct))!.State);
        Assert.Equal((0L, 0L), (Enqueued("qemu-x86_64"), Enqueued(FarmQueues.Assemble)));
    }

    private BuildSubmitter Submitter(SourcePolicy? policy = null) => new(
        _store,
        new BackgroundJobClient(_jobs),
        (platform, architecture, _) => Task.FromResult(platform == "fc" ? $"no worker serves {platform}-{architecture}" : null),
        new RuntimeMirrors(),
        _ => throw new InvalidOperationException("no runtime image in these tests"),
        policy ?? new SourcePolicy());

    private BuildRequest Request(string kraftfile, params string[] targets) =>
        new(kraftfile, "127.0.0.1:1/apps/app:v1", targets) { Upload = new UploadedArchive(_root, "sha256:upload") };

    private string Kraftfile(string text)
    {
        var path = Path.Combine(_root, "Kraftfile");
        File.WriteAllText(path, text);
        return path;
    }

    private long Enqueued(string queue) => _jobs.GetMonitoringApi().EnqueuedCount(queue);
}
