using Farm.Core.Builds;
using Farm.Core.IO;
using Farm.Core.Kraftfiles;
using Farm.Core.Oci;
using Farm.Core.Planning;
using Farm.State.Sources;
using Farm.Worker.Pipeline;
using Farm.Worker.Targets;

namespace Farm.Worker.Jobs;

/// <summary>
/// One target built as the farm planned it: the plan read from the store, the source fetched as it pins it, then
/// the target cache (same key, same kernel: no build, no boot), else build through farm-cc → smoke → package, and the
/// manifest pushed by digest. Each step returns the target's outcome when it ends the target.
/// </summary>
internal sealed class TargetBuild
{
    private readonly WorkerRuntime _runtime;
    private readonly IBuildStore _store;
    private readonly Func<OciReference, IOciRepository> _open;
    private readonly ITargetObserver _observer;

    public TargetBuild(WorkerRuntime runtime, IBuildStore store, Func<OciReference, IOciRepository> open, ITargetObserver observer)
    {
        _runtime = runtime;
        _store = store;
        _open = open;
        _observer = observer;
    }

    public async Task<TargetOutcome> RunAsync(BuildRecord build, string name, Action<string> log, CancellationToken cancellationToken)
    {
        var scope = BuildScope.Of(build);
        if (!scope.Trusted && !Sandboxing.BuildSandbox.Current.Enabled)
        {
            return Failed($"untrusted builds are refused: this worker's build sandbox is off ({Sandboxing.SandboxSettings.Variable}=off)");
        }

        var (plan, problem) = TargetPlan.Parse(await _store.GetTargetPlanAsync(build.Id, name, cancellationToken).ConfigureAwait(false));
        if (plan is null || plan.Job.KernelFileName != name)
        {
            return Failed(problem ?? $"the stored plan is of {plan?.Job.KernelFileName}, not of {name}");
        }

        var source = new PinnedSource(_runtime.Git, () => UploadStore.Open(_runtime.Settings.SourceStore, _open), _runtime.CacheDirectory, _runtime.LocalBuilds, _runtime.WorkDirectory);
        // The copy built from is held until the target ends (published or failed).
        using var pinned = await source.FetchAsync(build, plan, cancellationToken).ConfigureAwait(false);
        if (pinned.Kraftfile is not { } kraftfile)
        {
            return Failed(pinned.Failure ?? "the source cannot be read");
        }

        if (build.Runtime is { } runtime)
        {
            return await new RuntimeTarget(_runtime, _store, _open).RunAsync(build, kraftfile, pinned.Tree, name, runtime, log, cancellationToken).ConfigureAwait(false);
        }

        await _store.SetPhaseAsync(build.Id, name, "sources", cancellationToken).ConfigureAwait(false);
        // The rootfs first: it is part of what the smoke test proved, so part of the target's key.
        var (initrd, failure, rootfsCached) = await _runtime.InitrdAsync(kraftfile, pinned.Tree, plan.Job.Architecture, scope.Trusted, log, cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            return Failed(failure);
        }

        var target = new PlannedBuild(build, kraftfile, plan.Job, pinned.Tree, scope, initrd, log);
        string? key;
        try
        {
            key = await KeyAsync(target, cancellationToken).ConfigureAwait(false);
        }
        catch (SourceException ex)
        {
            return Failed(ex.Message);
        }

        var outcome = key is not null && await FromTargetCacheAsync(target, key, cancellationToken).ConfigureAwait(false) is { } cached
            ? cached
            : await BuildAndPublishAsync(target, key, cancellationToken).ConfigureAwait(false);
        return outcome with { RootfsCached = rootfsCached };
    }

    /// <summary>The target's key, or null when this worker has no compiler identity for it (then no target cache).</summary>
    private async Task<string?> KeyAsync(PlannedBuild target, CancellationToken cancellationToken)
    {
        if (!_runtime.Capabilities.Toolchains.TryGetValue(target.Job.Architecture, out var toolchain)
            || Farm.Cache.Keys.CompilerIdentity.Of(toolchain.CompilerPath, _runtime.CacheDirectory) is not { } compiler)
        {
            return null;
        }

        var sources = await _runtime.Sources.Within(target.Tree).ResolveAsync(target.Kraftfile, cancellationToken).ConfigureAwait(false);
        return TargetKey.Compute(target.Kraftfile, target.Job, sources, toolchain, compiler, "make", target.Initrd);
    }

    private async Task<TargetOutcome?> FromTargetCacheAsync(PlannedBuild target, string key, CancellationToken cancellationToken)
    {
        if (await _runtime.TargetCache.TryGetAsync(key, target.Log, cancellationToken).ConfigureAwait(false) is not { } cached)
        {
            return null;
        }

        target.Log($"farm: {target.Name}: target cache hit ({key[..12]}): built in {cached.BuildSeconds:0.00} s and booted on {cached.Runner} before; not built again");
        await _store.SetPhaseAsync(target.Build.Id, target.Name, "package", cancellationToken).ConfigureAwait(false);
        var published = await PublishAsync(target, cached.Kernel, cached.Config, cancellationToken).ConfigureAwait(false);
        return published with { Cached = true };
    }

    private async Task<TargetOutcome> BuildAndPublishAsync(PlannedBuild target, string? key, CancellationToken cancellationToken)
    {
        var (build, name, log) = (target.Build, target.Name, target.Log);
        await _store.SetPhaseAsync(build.Id, name, "build", cancellationToken).ConfigureAwait(false);
        using var outputDirectory = new TargetOutputDirectory(_runtime.WorkDirectory, build.Id, name);
        var output = outputDirectory.Location;
        var objects = _runtime.ObjectCache(log);
        var buildDirectory = target.Scope.BuildDirectory(_runtime.WorkDirectory, target.Kraftfile.Directory, name);
        // Held for the whole target, so the workspace sweep never empties a build directory in use.
        using var buildDirectoryLock = await WorkspaceJanitor.TakeAsync(buildDirectory, cancellationToken).ConfigureAwait(false);
        var options = new TargetPipelineOptions(output)
        {
            BuildDirectory = buildDirectory,
            Jobs = _runtime.CompileJobs,
            Initrd = target.Initrd,
            Smoke = _runtime.Smoke,
            Cache = target.Scope.Trusted ? objects : objects?.InScope(target.Scope.Cache),
            // "build" is set above, before make; the boot is reported by the pipeline. Fire and forget: the phase is for
            // the API's display, and a slow database must not hold the boot.
            OnPhase = phase =>
            {
                if (phase == TargetPhase.Booting)
                {
                    _ = _store.SetPhaseAsync(build.Id, name, "smoke", CancellationToken.None);
                }
            },
        };
        var result = await _runtime.Pipeline(target.Tree).RunAsync(target.Kraftfile, target.Job, options, log, cancellationToken).ConfigureAwait(false);
        if (result.Cache is { } statistics)
        {
            _observer.CacheCounted(statistics);
        }

        if (!result.Succeeded)
        {
            return TargetOutcomes.NotSucceeded(result);
        }

        var kernel = await File.ReadAllBytesAsync(Path.Combine(output, result.Kernel!), cancellationToken).ConfigureAwait(false);
        var config = await File.ReadAllBytesAsync(Path.Combine(output, TargetOutputFiles.Config), cancellationToken).ConfigureAwait(false);
        await _store.SetPhaseAsync(build.Id, name, "package", cancellationToken).ConfigureAwait(false);
        var published = await PublishAsync(target, kernel, config, cancellationToken).ConfigureAwait(false);
        // Only trusted builds (default branch, nightly) fill the target cache, and only with tested kernels.
        if (key is not null && target.Scope.Trusted && _runtime.Smoke)
        {
            await _runtime.TargetCache.PutAsync(key, new CachedTarget(kernel, config, result.BuildSeconds ?? 0, result.Smoke!.Elapsed.TotalSeconds, result.Smoke.Runner), log, cancellationToken).ConfigureAwait(false);
        }

        return TargetOutcomes.Published(published, result);
    }

    /// <summary>Packages the kernel for the build's image and pushes it by digest; an embedded rootfs is in the kernel, not a layer.</summary>
    private Task<TargetOutcome> PublishAsync(PlannedBuild target, byte[] kernel, byte[] config, CancellationToken cancellationToken)
    {
        var initrdLayer = target.Job.EmbedsInitrd ? null : target.Initrd;
        if (target.Initrd is not null && initrdLayer is null)
        {
            target.Log($"farm: {target.Name}: the kconfig embeds the rootfs in the kernel; no initrd layer");
        }

        var reference = OciReference.Parse(target.Build.Output);
        return TargetPublisher.PublishAsync(target.Kraftfile, target.Job, kernel, config, initrdLayer, reference, _open(reference), cancellationToken);
    }

    private static TargetOutcome Failed(string reason) => new(TargetState.Failed, reason);

    /// <summary>What the steps of one planned target share.</summary>
    private sealed record PlannedBuild(BuildRecord Build, Kraftfile Kraftfile, TargetJob Job, SourceTree? Tree, BuildScope Scope, byte[]? Initrd, Action<string> Log)
    {
        public string Name => Job.KernelFileName;
    }
}
