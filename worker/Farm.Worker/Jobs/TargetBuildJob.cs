using Farm.Core.Builds;
using Farm.Core.Kraftfiles;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Core.Oci.Packaging;
using Farm.Core.Planning;
using Farm.Worker.Pipeline;
using Farm.Worker.Smoke;
using Farm.State.Sources;
using Hangfire;
using Hangfire.Server;

namespace Farm.Worker.Jobs;

/// <summary>
/// The Hangfire job of one target, on queue <c>plat-arch</c>: the target cache first (same key, same kernel: no
/// build, no boot), else sources → build through farm-cc → smoke → package, then the manifest pushed by digest to
/// the build's repository. The target's final state is written once; the completion that leaves no target open
/// enqueues the assemble job. Infrastructure errors (the registry down) are retried on the same queue, a bounded
/// number of times; the last attempt fails the target instead of leaving the build waiting.
/// </summary>
public sealed class TargetBuildJob : ITargetBuildJob
{
    private readonly WorkerRuntime _runtime;
    private readonly IBuildStore _store;
    private readonly IBackgroundJobClient _jobs;
    private readonly Func<OciReference, IOciRepository> _open;
    private readonly ITargetObserver _observer;

    public TargetBuildJob(WorkerRuntime runtime, IBuildStore store, IBackgroundJobClient jobs, Func<OciReference, IOciRepository> open, ITargetObserver? observer = null)
    {
        _runtime = runtime;
        _store = store;
        _jobs = jobs;
        _open = open;
        _observer = observer ?? ITargetObserver.None;
    }

    public async Task RunAsync(string buildId, string name, int attempt, PerformContext? context, CancellationToken cancellationToken)
    {
        // A job of an older attempt (its worker was lost, the farm enqueued a new one) is refused here: it ends at once.
        if (await _store.GetAsync(buildId, cancellationToken).ConfigureAwait(false) is not { } build
            || !await _store.StartTargetAsync(buildId, name, _runtime.Name, attempt, cancellationToken).ConfigureAwait(false))
        {
            return;
        }

        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var watch = WatchForCancelAsync(buildId, name, cancel);
        var log = new TargetLog(_store, buildId, name);
        TargetOutcome outcome;
        try
        {
            outcome = await BuildAsync(build, name, log.Write, cancel.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (cancel.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            outcome = new TargetOutcome(TargetState.Cancelled, "cancelled");
        }
        catch (Exception ex) when (ex is RegistryException or IOException or HttpRequestException or OciFormatException)
        {
            var retry = context?.GetJobParameter<int>("RetryCount") ?? ITargetBuildJob.Retries;
            log.Write($"farm: {name}: attempt {retry + 1} failed: {ex.Message}");
            if (retry < ITargetBuildJob.Retries)
            {
                await _store.SetPhaseAsync(buildId, name, "retrying", CancellationToken.None).ConfigureAwait(false);
                throw;
            }

            outcome = new TargetOutcome(TargetState.Failed, $"{ex.Message} (after {retry + 1} attempts)");
        }
        finally
        {
            await cancel.CancelAsync().ConfigureAwait(false);
            await watch.ConfigureAwait(false);
            await log.DisposeAsync().ConfigureAwait(false);
        }

        if (await _store.CompleteTargetAsync(buildId, name, outcome, CancellationToken.None).ConfigureAwait(false) == 0)
        {
            _jobs.Create(Hangfire.Common.Job.FromExpression<IAssembleJob>(j => j.AssembleAsync(buildId, CancellationToken.None), FarmQueues.Assemble), new Hangfire.States.EnqueuedState(FarmQueues.Assemble));
        }

        if (_observer != ITargetObserver.None
            && (await _store.GetTargetsAsync(buildId, CancellationToken.None).ConfigureAwait(false)).FirstOrDefault(t => t.Name == name) is { } target)
        {
            _observer.Finished(buildId, name, target.Queue, outcome);
        }
    }

    private async Task<TargetOutcome> BuildAsync(BuildRecord build, string name, Action<string> log, CancellationToken cancellationToken)
    {
        var trusted = build.Scope != "untrusted";
        if (!trusted && !Sandboxing.BuildSandbox.Current.Enabled)
        {
            return new TargetOutcome(TargetState.Failed, $"untrusted builds are refused: this worker's build sandbox is off ({Sandboxing.SandboxSettings.Variable}=off)");
        }

        var kraftfilePath = build.KraftfilePath;
        string? root = null;
        if (build.GitUrl is { } url)
        {
            try
            {
                var checkout = await _runtime.Git.CheckoutAsync(build.App, url, build.GitCommit, cancellationToken).ConfigureAwait(false);
                root = checkout.Directory;
            }
            catch (SourceException ex)
            {
                return new TargetOutcome(TargetState.Failed, ex.Message);
            }
        }

        else if (build.SourceDigest is { } digest)
        {
            var uploads = UploadStore.Open(_runtime.Settings.SourceStore, _open);
            if (await uploads.GetAsync(digest, cancellationToken).ConfigureAwait(false) is not { } archive)
            {
                return new TargetOutcome(TargetState.Failed, $"the uploaded source {digest} is not in the source store {uploads.Location} (farm and workers must name the same {UploadStore.Variable})");
            }

            (root, var refused) = UploadedSource.Unpack(archive, _runtime.CacheDirectory);
            if (root is null)
            {
                return new TargetOutcome(TargetState.Failed, $"the uploaded source cannot be unpacked: {string.Join("; ", refused)}");
            }
        }
        else if (!_runtime.LocalBuilds)
        {
            return new TargetOutcome(TargetState.Failed, $"build {build.Id} names neither a git source nor an upload: a served worker builds nothing else from its own disk");
        }

        // The same containment the farm checked at submission, again: the job row is only as trusted as the database.
        var tree = root is not null ? new Core.IO.SourceTree(root) : build.SourceRoot is { } local ? new Core.IO.SourceTree(local) : null;
        if (root is not null)
        {
            kraftfilePath = Path.Combine(root, build.KraftfilePath);
        }

        if (tree?.WhyOutside(kraftfilePath, Environment.CurrentDirectory) is { } outside)
        {
            return new TargetOutcome(TargetState.Failed, $"kraftfile: {outside}");
        }

        var parsed = new KraftfileParser().Load(kraftfilePath);
        var plan = parsed.Kraftfile is { } k && parsed.IsValid ? Planner.Plan(k).Plan : null;
        if (plan is not null && KraftfileSources.Check(plan.Kraftfile, tree, _runtime.Git.Policy) is { Count: > 0 } refusals)
        {
            return new TargetOutcome(TargetState.Failed, string.Join("; ", refusals.Select(d => root is null ? d.Format() : d.Format().Replace(root + "/", string.Empty, StringComparison.Ordinal))));
        }

        if (plan is not null && build.Runtime is { } runtime)
        {
            return await new RuntimeTarget(_runtime, _store, _open).RunAsync(build, plan.Kraftfile, tree, name, runtime, log, cancellationToken).ConfigureAwait(false);
        }

        if (plan?.Jobs.FirstOrDefault(j => j.KernelFileName == name) is not { } job)
        {
            return new TargetOutcome(TargetState.Failed, $"{kraftfilePath}: no target {name} (the Kraftfile changed since the build was planned, or is no longer valid)");
        }

        var kraftfile = plan.Kraftfile;
        var reference = OciReference.Parse(build.Output);
        var repository = _open(reference);
        await _store.SetPhaseAsync(build.Id, name, "sources", cancellationToken).ConfigureAwait(false);
        // The rootfs first: it is part of what the smoke test proved, so part of the target's key.
        var (initrd, failure) = await _runtime.InitrdAsync(kraftfile, tree, job.Architecture, trusted, log, cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            return new TargetOutcome(TargetState.Failed, failure);
        }

        // An embedded rootfs is in the kernel: still part of the key, but no initrd layer.
        var initrdLayer = job.EmbedsInitrd ? null : initrd;
        if (initrd is not null && initrdLayer is null)
        {
            log($"farm: {name}: the kconfig embeds the rootfs in the kernel; no initrd layer");
        }

        string? key = null;
        if (_runtime.Capabilities.Toolchains.TryGetValue(job.Architecture, out var toolchain)
            && Farm.Cache.Keys.CompilerIdentity.Of(toolchain.CompilerPath, _runtime.CacheDirectory) is { } compiler)
        {
            try
            {
                var sources = await _runtime.Sources.Within(tree).ResolveAsync(kraftfile, cancellationToken).ConfigureAwait(false);
                key = TargetKey.Compute(kraftfile, job, sources, toolchain, compiler, "make", initrd);
            }
            catch (SourceException ex)
            {
                return new TargetOutcome(TargetState.Failed, ex.Message);
            }
        }

        if (key is not null && await _runtime.TargetCache.TryGetAsync(key, log, cancellationToken).ConfigureAwait(false) is { } cached)
        {
            log($"farm: {name}: target cache hit ({key[..12]}): built in {cached.BuildSeconds:0.00} s and booted on {cached.Runner} before; not built again");
            await _store.SetPhaseAsync(build.Id, name, "package", cancellationToken).ConfigureAwait(false);
            var published = await TargetPublisher.PublishAsync(kraftfile, job, cached.Kernel, cached.Config, initrdLayer, reference, repository, cancellationToken).ConfigureAwait(false);
            return published with { Cached = true };
        }

        await _store.SetPhaseAsync(build.Id, name, "build", cancellationToken).ConfigureAwait(false);
        // An untrusted build's scope is its app and where its source came from (a fork's repository, an upload), so one
        // pull request's objects are not another's either.
        var scope = trusted ? Farm.Cache.Store.CacheScope.TrustedScope : Farm.Cache.Store.CacheScope.Parse($"{build.App}-{Short(build.GitUrl ?? build.SourceDigest ?? build.Id)}");
        var output = Path.Combine(_runtime.WorkDirectory, "builds", build.Id, name);
        var options = new TargetPipelineOptions(output)
        {
            // One build directory per app location and target, kept between builds: make rebuilds in place.
            // Kept per scope too: objects an untrusted build left in place must never be linked into a trusted kernel.
            BuildDirectory = Path.Combine(_runtime.WorkDirectory, "o", scope.Name, $"{Path.GetFileName(kraftfile.Directory)}-{Short(kraftfile.Directory)}", name),
            Jobs = _runtime.CompileJobs,
            Initrd = initrd,
            Smoke = _runtime.Smoke,
            Cache = trusted ? _runtime.ObjectCache(log) : _runtime.ObjectCache(log)?.InScope(scope),
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
        var result = await _runtime.Pipeline(tree).RunAsync(kraftfile, job, options, log, cancellationToken).ConfigureAwait(false);

        if (result.Cache is { } statistics)
        {
            _observer.CacheCounted(statistics);
        }

        var counters = (Hits: result.Cache?.Hits ?? 0, Misses: result.Cache?.Misses ?? 0, Errors: result.Cache?.Tiers.Values.Sum(t => t.Errors) ?? 0);
        if (!result.Succeeded)
        {
            return new TargetOutcome(result.SkipReason is not null && result.FailureReason is null ? TargetState.Skipped : TargetState.Failed, result.Reason ?? "failed")
            {
                BuildSeconds = result.BuildSeconds,
                BootSeconds = result.Smoke?.Elapsed.TotalSeconds,
                CacheHits = counters.Hits,
                CacheMisses = counters.Misses,
                CacheErrors = counters.Errors,
            };
        }

        var kernel = await File.ReadAllBytesAsync(Path.Combine(output, result.Kernel!), cancellationToken).ConfigureAwait(false);
        var config = await File.ReadAllBytesAsync(Path.Combine(output, TargetOutputFiles.Config), cancellationToken).ConfigureAwait(false);
        await _store.SetPhaseAsync(build.Id, name, "package", cancellationToken).ConfigureAwait(false);
        var outcome = await TargetPublisher.PublishAsync(kraftfile, job, kernel, config, initrdLayer, reference, repository, cancellationToken).ConfigureAwait(false);
        // Only trusted builds (default branch, nightly) fill the target cache; an untrusted one only reads it.
        if (key is not null && trusted && _runtime.Smoke)
        {
            await _runtime.TargetCache.PutAsync(key, new CachedTarget(kernel, config, result.BuildSeconds ?? 0, result.Smoke!.Elapsed.TotalSeconds, result.Smoke.Runner), log, cancellationToken).ConfigureAwait(false);
        }

        return outcome with
        {
            BuildSeconds = result.BuildSeconds,
            BootSeconds = result.Smoke!.Status == Smoke.SmokeStatus.Skipped ? null : Math.Round(result.Smoke.Elapsed.TotalSeconds, 2),
            CacheHits = counters.Hits,
            CacheMisses = counters.Misses,
            CacheErrors = counters.Errors,
        };
    }

    private async Task WatchForCancelAsync(string buildId, string name, CancellationTokenSource cancel)
    {
        try
        {
            while (!cancel.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancel.Token).ConfigureAwait(false);
                var targets = await _store.GetTargetsAsync(buildId, cancel.Token).ConfigureAwait(false);
                if (targets.FirstOrDefault(t => t.Name == name)?.State.IsFinal() == true)
                {
                    await cancel.CancelAsync().ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private static string Short(string text) => Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(text)))[..8];
}
