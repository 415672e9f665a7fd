using Farm.Core.Builds;
using Farm.Core.IO;
using Farm.Core.Kraftfiles;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Core.Oci.Packaging;
using Farm.Core.Planning;
using Farm.Worker.Runtimes;
using Farm.Worker.Smoke;
using Farm.Worker.Targets;

namespace Farm.Worker.Jobs;

internal sealed class RuntimeTarget
{
    private readonly WorkerRuntime _runtime;
    private readonly IBuildStore _store;
    private readonly Func<OciReference, IOciRepository> _open;

    public RuntimeTarget(WorkerRuntime runtime, IBuildStore store, Func<OciReference, IOciRepository> open)
    {
        _runtime = runtime;
        _store = store;
        _open = open;
    }

    /// <summary>
    /// A target of a runtime-only Kraftfile: the runtime image's kernel for this platform (the index pinned by digest
    /// at planning), booted with this app's settings, packaged with this app's initrd, cmd, env and labels. The
    /// kernel layer is the runtime's, byte for byte (the packager's layers are deterministic), so it is not uploaded
    /// again where the runtime already is.
    /// </summary>
    /// <param name="tree">The build's source tree, which its rootfs must stay in; null for anywhere.</param>
    public async Task<TargetOutcome> RunAsync(BuildRecord build, Kraftfile kraftfile, Core.IO.SourceTree? tree, string name, string runtime, Action<string> log, CancellationToken cancellationToken)
    {
        var target = (await _store.GetTargetsAsync(build.Id, cancellationToken).ConfigureAwait(false)).First(t => t.Name == name);
        var at = runtime.LastIndexOf('@');
        var source = OciReference.Parse(runtime[..at]);
        // The Kraftfile target this job was planned from: its kconfig must be in the kernel's os.features.
        var planned = kraftfile.Targets.FirstOrDefault(t => $"{t.Name}_{t.Platform}-{t.Architecture}" == name);
        var required = planned is null ? [] : RuntimeSelection.RequiredFeatures(planned);
        if (await RuntimeKernel.FetchAsync(_open(source), runtime[(at + 1)..], target.Platform, target.Architecture, required, cancellationToken).ConfigureAwait(false) is not { } fetched)
        {
            return new TargetOutcome(TargetState.Failed, $"the runtime {runtime[..at]} has no kernel for {target.PlatformName}{(required.Count > 0 ? $" with {string.Join(", ", required)}" : string.Empty)}");
        }

        var kernel = fetched.Kernel;
        log($"farm: {name}: kernel from the runtime {runtime[..at]} ({fetched.Manifest.Value[..19]}…), layer {fetched.Layer.Value[..19]}…");

        await _store.SetPhaseAsync(build.Id, name, "rootfs", cancellationToken).ConfigureAwait(false);
        var (initrd, failure, _) = await _runtime.InitrdAsync(kraftfile, tree, target.Architecture, build.Scope != "untrusted", log, cancellationToken).ConfigureAwait(false);
        if (failure is not null)
        {
            return new TargetOutcome(TargetState.Failed, failure);
        }

        await _store.SetPhaseAsync(build.Id, name, "smoke", cancellationToken).ConfigureAwait(false);
        using var workDirectory = new TargetOutputDirectory(_runtime.WorkDirectory, build.Id, name);
        var work = workDirectory.Location;
        Directory.CreateDirectory(work);
        var kernelPath = Path.Combine(work, name);
        await InPlaceWrite.WriteAllBytesAsync(kernelPath, kernel, cancellationToken).ConfigureAwait(false);
        File.SetUnixFileMode(kernelPath, (UnixFileMode)0x1ED);
        var job = new TargetJob(target.Target, target.Platform, target.Architecture, target.Queue, name, [], new WorkerRequirements(target.Architecture, target.Platform, false));
        string? initrdPath = null;
        if (initrd is not null)
        {
            initrdPath = Path.Combine(work, Pipeline.TargetOutputFiles.Initrd);
            await InPlaceWrite.WriteAllBytesAsync(initrdPath, initrd, cancellationToken).ConfigureAwait(false);
        }

        var smoke = _runtime.Smoke
            ? await _runtime.Pipeline(tree).SmokeOnlyAsync(kraftfile, job, kernelPath, initrdPath, work, log, cancellationToken).ConfigureAwait(false)
            : SmokeResult.Skipped("not booted: built with smoke tests off");
        if (smoke.Status == SmokeStatus.Skipped)
        {
            log($"farm: {name}: smoke test skipped: the image is not booted");
            await _store.SetPhaseAsync(build.Id, name, "package", cancellationToken).ConfigureAwait(false);
            var untested = OciReference.Parse(build.Output);
            return await TargetPublisher.PublishAsync(kraftfile, job, kernel, fetched.Config, initrd, untested, _open(untested), new KernelLayerSource(source, fetched.Layer), cancellationToken).ConfigureAwait(false);
        }

        if (smoke.Status == SmokeStatus.Unavailable)
        {
            return new TargetOutcome(TargetState.Skipped, _runtime.WhyNotServed(target.Platform, target.Architecture) ?? $"cannot boot {target.Platform}/{target.Architecture} here ({smoke.Runner}): {smoke.Reason}");
        }

        if (smoke.Status != SmokeStatus.Passed)
        {
            return new TargetOutcome(TargetState.Failed, $"smoke test failed ({smoke.Runner}): {smoke.Reason}") { BootSeconds = smoke.Elapsed.TotalSeconds };
        }

        log($"farm: {name}: smoke test passed on {smoke.Runner} in {smoke.Elapsed.TotalSeconds:0.00} s");
        await _store.SetPhaseAsync(build.Id, name, "package", cancellationToken).ConfigureAwait(false);
        var output = OciReference.Parse(build.Output);
        var outcome = await TargetPublisher.PublishAsync(kraftfile, job, kernel, fetched.Config, initrd, output, _open(output), new KernelLayerSource(source, fetched.Layer), cancellationToken).ConfigureAwait(false);
        return outcome with { BootSeconds = Math.Round(smoke.Elapsed.TotalSeconds, 2) };
    }
}
