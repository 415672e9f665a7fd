using Farm.Core.Builds;
using Farm.Core.Kraftfiles;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Core.Oci.Packaging;
using Farm.Core.Planning;
using Farm.Worker.Pipeline;
using Farm.Worker.Smoke;
using Farm.Worker.Sources;
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
public sealed class TargetBuildJob
{
    public const int Attempts = 2;
    private readonly WorkerRuntime _runtime;
    private readonly IBuildStore _store;
    private readonly IBackgroundJobClient _jobs;
    private readonly Func<OciReference, IOciRepository> _open;

    public TargetBuildJob(WorkerRuntime runtime, IBuildStore store, IBackgroundJobClient jobs, Func<OciReference, IOciRepository> open)
    {
        _runtime = runtime;
        _store = store;
        _jobs = jobs;
        _open = open;
    }

    /// <summary>Enqueues a target's job on its queue (retries come back to the same queue).</summary>
    public static string Enqueue(IBackgroundJobClient jobs, string buildId, string name, string queue)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        return jobs.Create(Hangfire.Common.Job.FromExpression<TargetBuildJob>(j => j.RunAsync(buildId, name, null, CancellationToken.None), queue), new Hangfire.States.EnqueuedState(queue));
    }

    [AutomaticRetry(Attempts = Attempts, DelaysInSeconds = [5, 30])]
    public async Task RunAsync(string buildId, string name, PerformContext? context, CancellationToken cancellationToken)
    {
        if (await _store.GetAsync(buildId, cancellationToken).ConfigureAwait(false) is not { } build
            || !await _store.StartTargetAsync(buildId, name, _runtime.Name, cancellationToken).ConfigureAwait(false))
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
            var attempt = context?.GetJobParameter<int>("RetryCount") ?? Attempts;
            log.Write($"farm: {name}: attempt {attempt + 1} failed: {ex.Message}");
            if (attempt < Attempts)
            {
                await _store.SetPhaseAsync(buildId, name, "retrying", CancellationToken.None).ConfigureAwait(false);
                throw;
            }

            outcome = new TargetOutcome(TargetState.Failed, $"{ex.Message} (after {attempt + 1} attempts)");
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
    }

    private async Task<TargetOutcome> BuildAsync(BuildRecord build, string name, Action<string> log, CancellationToken cancellationToken)
    {
        var kraftfilePath = build.KraftfilePath;
        if (build.GitUrl is { } url)
        {
            try
            {
                var checkout = await _runtime.Git.CheckoutAsync(build.App, url, build.GitCommit, cancellationToken).ConfigureAwait(false);
                kraftfilePath = Path.Combine(checkout.Directory, build.KraftfilePath);
            }
            catch (SourceException ex)
            {
                return new TargetOutcome(TargetState.Failed, ex.Message);
            }
        }

        else if (build.SourceDigest is { } digest)
        {
            if (await _store.GetSourceAsync(digest, cancellationToken).ConfigureAwait(false) is not { } archive)
            {
                return new TargetOutcome(TargetState.Failed, $"the uploaded source {digest} is no longer in the farm's store");
            }

            var (root, refused) = UploadedSource.Unpack(archive, _runtime.CacheDirectory);
            if (root is null)
            {
                return new TargetOutcome(TargetState.Failed, $"the uploaded source cannot be unpacked: {string.Join("; ", refused)}");
            }

            kraftfilePath = Path.Combine(root, build.KraftfilePath);
        }

        var parsed = new KraftfileParser().Load(kraftfilePath);
        var plan = parsed.Kraftfile is { } k && parsed.IsValid ? Planner.Plan(k).Plan : null;
        if (plan is not null && build.Runtime is { } runtime)
        {
            return await RuntimeTargetAsync(build, plan.Kraftfile, name, runtime, log, cancellationToken).ConfigureAwait(false);
        }

        if (plan?.Jobs.FirstOrDefault(j => j.KernelFileName == name) is not { } job)
        {
            return new TargetOutcome(TargetState.Failed, $"{kraftfilePath}: no target {name} (the Kraftfile changed since the build was planned, or is no longer valid)");
        }

        var kraftfile = plan.Kraftfile;
        var trusted = build.Scope != "untrusted";
        var reference = OciReference.Parse(build.Output);
        var repository = _open(reference);
        await _store.SetPhaseAsync(build.Id, name, "sources", cancellationToken).ConfigureAwait(false);
        // The rootfs first: it is part of what the smoke test proved, so part of the target's key.
        byte[]? initrd = null;
        if (kraftfile.Rootfs is { } rootfs)
        {
            await _store.SetPhaseAsync(build.Id, name, "rootfs", cancellationToken).ConfigureAwait(false);
            try
            {
                initrd = await new Rootfs.InitrdBuilder(Path.Combine(_runtime.WorkDirectory, "rootfs")).BuildAsync(kraftfile.Directory, rootfs, log, cancellationToken).ConfigureAwait(false);
            }
            catch (Rootfs.RootfsException ex)
            {
                return new TargetOutcome(TargetState.Failed, $"{kraftfile.Path}: {ex.Message}");
            }

            if (EmbedsInitrd(job))
            {
                log($"farm: {name}: the kconfig embeds the rootfs in the kernel; no initrd layer");
                initrd = null;
            }
        }

        string? key = null;
        if (_runtime.Capabilities.Toolchains.TryGetValue(job.Architecture, out var toolchain)
            && Farm.Cache.Keys.CompilerIdentity.Of(toolchain.CompilerPath, _runtime.CacheDirectory) is { } compiler)
        {
            try
            {
                var sources = await _runtime.Sources.ResolveAsync(kraftfile, cancellationToken).ConfigureAwait(false);
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
            var published = await PackageAsync(kraftfile, job, cached.Kernel, cached.Config, initrd, reference, repository, cancellationToken).ConfigureAwait(false);
            return published with { Cached = true };
        }

        await _store.SetPhaseAsync(build.Id, name, "build", cancellationToken).ConfigureAwait(false);
        var output = Path.Combine(_runtime.WorkDirectory, "builds", build.Id, name);
        var options = new TargetPipelineOptions(output)
        {
            // One build directory per app location and target, kept between builds: make rebuilds in place.
            BuildDirectory = Path.Combine(_runtime.WorkDirectory, "o", $"{Path.GetFileName(kraftfile.Directory)}-{Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(kraftfile.Directory)))[..8]}", name),
            Jobs = _runtime.CompileJobs,
            Cache = trusted ? WorkerRuntime.ObjectCache(log) : WorkerRuntime.ObjectCache(log)?.InScope(Farm.Cache.Store.CacheScope.Parse($"untrusted-{build.App}")),
        };
        var result = await _runtime.Pipeline().RunAsync(kraftfile, job, options, line =>
        {
            if (line.Contains(": booting on ", StringComparison.Ordinal))
            {
                _ = _store.SetPhaseAsync(build.Id, name, "smoke", CancellationToken.None);
            }

            log(line);
        }, cancellationToken).ConfigureAwait(false);

        var counters = (Hits: result.Cache?.Hits ?? 0, Misses: result.Cache?.Misses ?? 0, Errors: result.Cache?.Tiers.Values.Sum(t => t.Errors) ?? 0);
        if (!result.Succeeded)
        {
            return new TargetOutcome(TargetState.Failed, result.FailureReason ?? "failed")
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
        var outcome = await PackageAsync(kraftfile, job, kernel, config, initrd, reference, repository, cancellationToken).ConfigureAwait(false);
        // Only trusted builds (default branch, nightly) fill the target cache; an untrusted one only reads it.
        if (key is not null && trusted)
        {
            await _runtime.TargetCache.PutAsync(key, new CachedTarget(kernel, config, result.BuildSeconds ?? 0, result.Smoke!.Elapsed.TotalSeconds, result.Smoke.Runner), log, cancellationToken).ConfigureAwait(false);
        }

        return outcome with
        {
            BuildSeconds = result.BuildSeconds,
            BootSeconds = Math.Round(result.Smoke!.Elapsed.TotalSeconds, 2),
            CacheHits = counters.Hits,
            CacheMisses = counters.Misses,
            CacheErrors = counters.Errors,
        };
    }

    /// <summary>
    /// A target of a runtime-only Kraftfile: the runtime image's kernel for this platform (the index pinned by digest
    /// at planning), booted with this app's settings, packaged with this app's initrd, cmd, env and labels. The
    /// kernel layer is the runtime's, byte for byte (the packager's layers are deterministic), so it is not uploaded
    /// again where the runtime already is.
    /// </summary>
    private async Task<TargetOutcome> RuntimeTargetAsync(BuildRecord build, Kraftfile kraftfile, string name, string runtime, Action<string> log, CancellationToken cancellationToken)
    {
        var target = (await _store.GetTargetsAsync(build.Id, cancellationToken).ConfigureAwait(false)).First(t => t.Name == name);
        var at = runtime.LastIndexOf('@');
        var source = OciReference.Parse(runtime[..at]);
        var repository = _open(source);
        var index = ImageIndex.Parse((await repository.TryGetManifestAsync(runtime[(at + 1)..], cancellationToken).ConfigureAwait(false)
            ?? throw new RegistryException($"the runtime {runtime} is gone")).Bytes);
        if (index.Manifests.FirstOrDefault(m => m.Platform?.Os == target.Platform && m.Platform.Architecture == target.Architecture) is not { } entry)
        {
            return new TargetOutcome(TargetState.Failed, $"the runtime {runtime[..at]} has no kernel for {target.PlatformName}");
        }

        var manifest = ImageManifest.Parse((await repository.TryGetManifestAsync(entry.Digest.Value, cancellationToken).ConfigureAwait(false)
            ?? throw new RegistryException($"the runtime's {target.PlatformName} manifest {entry.Digest} is gone")).Bytes);
        var kernelLayer = manifest.Layers.FirstOrDefault(l => l.Annotation(KraftAnnotations.KernelImage) is not null) ?? manifest.Layers[0];
        byte[] kernel;
        using (var tar = new System.Formats.Tar.TarReader(new MemoryStream(await repository.GetBlobAsync(kernelLayer.Digest, cancellationToken).ConfigureAwait(false))))
        {
            var file = tar.GetNextEntry() ?? throw new OciFormatException($"the runtime's kernel layer {kernelLayer.Digest} is empty");
            using var content = new MemoryStream();
            file.DataStream?.CopyTo(content);
            kernel = content.ToArray();
        }

        using var configJson = System.Text.Json.JsonDocument.Parse(await repository.GetBlobAsync(manifest.Config.Digest, cancellationToken).ConfigureAwait(false));
        var features = configJson.RootElement.TryGetProperty("os.features", out var list) ? list.EnumerateArray().Select(f => f.GetString() ?? string.Empty).ToList() : [];
        var version = configJson.RootElement.TryGetProperty("os.version", out var v) ? v.GetString() : null;
        log($"farm: {name}: kernel from the runtime {runtime[..at]} ({entry.Digest.Value[..19]}…), layer {kernelLayer.Digest.Value[..19]}…");

        byte[]? initrd = null;
        if (kraftfile.Rootfs is { } rootfs)
        {
            await _store.SetPhaseAsync(build.Id, name, "rootfs", cancellationToken).ConfigureAwait(false);
            try
            {
                initrd = await new Rootfs.InitrdBuilder(Path.Combine(_runtime.WorkDirectory, "rootfs")).BuildAsync(kraftfile.Directory, rootfs, log, cancellationToken).ConfigureAwait(false);
            }
            catch (Rootfs.RootfsException ex)
            {
                return new TargetOutcome(TargetState.Failed, $"{kraftfile.Path}: {ex.Message}");
            }
        }

        await _store.SetPhaseAsync(build.Id, name, "smoke", cancellationToken).ConfigureAwait(false);
        var work = Path.Combine(_runtime.WorkDirectory, "builds", build.Id, name);
        Directory.CreateDirectory(work);
        var kernelPath = Path.Combine(work, name);
        await File.WriteAllBytesAsync(kernelPath, kernel, cancellationToken).ConfigureAwait(false);
        File.SetUnixFileMode(kernelPath, (UnixFileMode)0x1ED);
        var job = new TargetJob(target.Target, target.Platform, target.Architecture, target.Queue, name, [], new WorkerRequirements(target.Architecture, target.Platform, false));
        var smoke = await _runtime.Pipeline().SmokeOnlyAsync(kraftfile, job, kernelPath, work, log, cancellationToken).ConfigureAwait(false);
        if (smoke.Status != SmokeStatus.Passed)
        {
            return new TargetOutcome(TargetState.Failed, $"smoke test {(smoke.Status == SmokeStatus.Unavailable ? "unavailable" : "failed")} ({smoke.Runner}): {smoke.Reason}") { BootSeconds = smoke.Elapsed.TotalSeconds };
        }

        log($"farm: {name}: smoke test passed on {smoke.Runner} in {smoke.Elapsed.TotalSeconds:0.00} s");
        await _store.SetPhaseAsync(build.Id, name, "package", cancellationToken).ConfigureAwait(false);
        var outcome = await PackageAsync(kraftfile, job, kernel, new DotConfig(features, version), initrd, OciReference.Parse(build.Output), _open(OciReference.Parse(build.Output)), cancellationToken).ConfigureAwait(false);
        return outcome with { BootSeconds = Math.Round(smoke.Elapsed.TotalSeconds, 2) };
    }

    /// <summary>Packages the kernel for the build's image and pushes blobs and manifest by digest (the tag is assembling's).</summary>
    private static Task<TargetOutcome> PackageAsync(Kraftfile kraftfile, TargetJob job, byte[] kernel, byte[] config, byte[]? initrd, OciReference reference, IOciRepository repository, CancellationToken cancellationToken) =>
        PackageAsync(kraftfile, job, kernel, DotConfig.Parse(System.Text.Encoding.UTF8.GetString(config)), initrd, reference, repository, cancellationToken);

    private static async Task<TargetOutcome> PackageAsync(Kraftfile kraftfile, TargetJob job, byte[] kernel, DotConfig config, byte[]? initrd, OciReference reference, IOciRepository repository, CancellationToken cancellationToken)
    {
        var image = new TargetImage(job.Target, job.Platform, job.Architecture, kernel, config)
        {
            Initrd = initrd,
            Cmd = kraftfile.Cmd,
            Env = kraftfile.Env.Select(e => e.ToString()).ToList(),
            Labels = kraftfile.Labels,
        };
        var packaged = TargetPackager.Package(image, reference);
        foreach (var blob in packaged.Blobs)
        {
            await repository.PushBlobAsync(blob, cancellationToken).ConfigureAwait(false);
        }

        var digest = await repository.PutManifestAsync(packaged.Manifest, MediaTypes.ImageManifest, tag: null, cancellationToken).ConfigureAwait(false);
        return new TargetOutcome(TargetState.Succeeded, null) { ManifestDigest = digest.Value, IndexEntry = IndexEntries.ToJson(packaged.IndexEntry) };
    }

    /// <summary>Whether the target's kconfig builds the rootfs into the kernel (then there is no initrd layer).</summary>
    private static bool EmbedsInitrd(TargetJob job) =>
        job.KConfig.Any(c => c.Key is "CONFIG_LIBVFSCORE_AUTOMOUNT_EINITRD" or "CONFIG_LIBVFSCORE_AUTOMOUNT_CI_EINITRD" or "CONFIG_LIBVFSCORE_FSTAB" && c.Value == "y");

    private async Task WatchForCancelAsync(string buildId, string name, CancellationTokenSource cancel)
    {
        try
        {
            while (!cancel.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromSeconds(1), cancel.Token).ConfigureAwait(false);
                var targets = await _store.GetTargetsAsync(buildId, cancel.Token).ConfigureAwait(false);
                if (targets.FirstOrDefault(t => t.Name == name) is { State: TargetState.Cancelled })
                {
                    await cancel.CancelAsync().ConfigureAwait(false);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
