using System.Security.Cryptography;
using Farm.Core.IO;
using Farm.Core.Kraftfiles;
using Farm.Core.Planning;
using Farm.Worker.Builders;
using Farm.Worker.Capabilities;
using Farm.Worker.Images;
using Farm.Worker.Smoke;
using Farm.State.Sources;

namespace Farm.Worker.Pipeline;

/// <summary>
/// One target, start to finish: resolve sources, build, check the image format, boot it, and write the output
/// directory. The output never looks like a success when it is not one: stale results are removed first, the
/// kernel is copied in only after it passed, and <c>result.json</c> is written last, by rename.
/// </summary>
internal sealed class TargetPipeline
{
    private readonly SourceResolver _sources;
    private readonly IKernelBuilder _builder;
    private readonly HostCapabilities _capabilities;
    private readonly IReadOnlyList<ISmokeRunner> _runners;
    private readonly Sandboxing.BuildSandbox _sandbox;

    /// <param name="sandbox">Where make, compiles and boots run; the worker's (<c>Farm__Worker__Sandbox</c>) by default.</param>
    public TargetPipeline(SourceResolver sources, IKernelBuilder builder, HostCapabilities capabilities, IReadOnlyList<ISmokeRunner> runners, Sandboxing.BuildSandbox? sandbox = null)
    {
        _sandbox = sandbox ?? Sandboxing.BuildSandbox.Current;
        _sources = sources;
        _builder = builder;
        _capabilities = capabilities;
        _runners = runners;
    }

    public async Task<TargetResult> RunAsync(Kraftfile kraftfile, TargetJob job, TargetPipelineOptions options, Action<string> log, CancellationToken cancellationToken)
    {
        var output = Path.GetFullPath(options.OutputDirectory);
        Directory.CreateDirectory(output);

        // Refused before anything is deleted or built: deleting a stale file that is a device would remove the node, and
        // every later write would be refused anyway (InPlaceWrite).
        foreach (var name in new[] { TargetOutputFiles.Result, job.KernelFileName, TargetOutputFiles.Config, TargetOutputFiles.Console, TargetOutputFiles.Initrd, TargetOutputFiles.BuildLog })
        {
            InPlaceWrite.EnsureWritable(Path.Combine(output, name));
        }

        foreach (var stale in new[] { TargetOutputFiles.Result, job.KernelFileName, TargetOutputFiles.Config, TargetOutputFiles.Console, TargetOutputFiles.Initrd })
        {
            File.Delete(Path.Combine(output, stale));
        }

        using var buildLog = new StreamWriter(InPlaceWrite.CreateNew(Path.Combine(output, TargetOutputFiles.BuildLog))) { AutoFlush = true };
        // make's output and the cache broker's reports arrive on different threads: one line at a time.
        var gate = new object();
        void Log(string line)
        {
            lock (gate)
            {
                buildLog.WriteLine(line);
                log(line);
            }
        }

        var result = await RunStagesAsync(kraftfile, job, options, output, Log, cancellationToken).ConfigureAwait(false);
        if (result.FailureReason is { } reason)
        {
            Log($"farm: {job.KernelFileName}: FAILED: {reason}");
        }

        await TargetResultWriter.WriteAsync(Path.Combine(output, TargetOutputFiles.Result), result, cancellationToken).ConfigureAwait(false);
        return result;
    }

    private async Task<TargetResult> RunStagesAsync(Kraftfile kraftfile, TargetJob job, TargetPipelineOptions options, string output, Action<string> log, CancellationToken cancellationToken)
    {
        TargetResult Failed(string reason, double? seconds = null, KernelImageCheck? image = null, SmokeResult? smoke = null, Farm.Cache.Stats.CacheStatistics? cache = null) =>
            new(job.Target, job.Platform, job.Architecture, null, null, seconds, image, smoke, reason) { Builder = _builder.Name, Cache = cache };

        var (toolchain, whyNot) = BuildPreflight.Check(_capabilities, job.Architecture);
        if (toolchain is null)
        {
            return Failed(whyNot!);
        }

        var (sources, unresolved) = await ResolveAsync(kraftfile, job, log, cancellationToken).ConfigureAwait(false);
        if (sources is null)
        {
            return Failed(unresolved!);
        }

        var buildDirectory = options.BuildDirectory ?? DefaultBuildDirectory(kraftfile, job);
        var (build, cacheStatistics, bootInitrd) = await new CompileStage(_builder, _sandbox).RunAsync(kraftfile, job, sources, toolchain, options, buildDirectory, log, cancellationToken).ConfigureAwait(false);
        var buildSeconds = Math.Round(build.Elapsed.TotalSeconds, 2);
        if (!build.Succeeded)
        {
            return Failed(build.FailureReason ?? "the build failed", buildSeconds, cache: cacheStatistics);
        }

        log($"farm: {job.KernelFileName}: built in {buildSeconds:0.00} s");
        if (build.ConfigPath is { } config)
        {
            await InPlaceWrite.CopyAsync(config, Path.Combine(output, TargetOutputFiles.Config), cancellationToken).ConfigureAwait(false);
        }

        var image = KernelImageInspector.Inspect(build.KernelPath!, job.Platform, job.Architecture);
        log($"farm: {job.KernelFileName}: image: {image.Format}{(image.Problem is { } p ? $" — {p}" : string.Empty)}");
        if (!image.Bootable)
        {
            return Failed($"the kernel is not bootable on {job.Platform}/{job.Architecture}: {image.Problem}", buildSeconds, image, cache: cacheStatistics);
        }

        var smoke = options.Smoke
            ? await SmokeAsync(kraftfile, job, build.KernelPath!, bootInitrd, build.ConfigPath, buildDirectory, log, options.OnPhase, cancellationToken).ConfigureAwait(false)
            : SmokeResult.Skipped("not booted: built with smoke tests off");
        await InPlaceWrite.WriteAllTextAsync(Path.Combine(output, TargetOutputFiles.Console), smoke.Console, cancellationToken).ConfigureAwait(false);
        var verdict = SmokeVerdict.Of(smoke, job.Platform, job.Architecture, _capabilities.WhyNotServed(job.Platform, job.Architecture));
        LogSmoke(job, smoke, verdict, log);
        if (verdict.SkipReason is { } skipped)
        {
            // Built and checked, but this host cannot boot it: skipped with the reason farm build gives such a target.
            return new TargetResult(job.Target, job.Platform, job.Architecture, null, null, buildSeconds, image, smoke, null) { Builder = _builder.Name, Cache = cacheStatistics, SkipReason = skipped };
        }

        if (verdict.FailureReason is { } failed)
        {
            return Failed(failed, buildSeconds, image, smoke, cacheStatistics);
        }

        var sha256 = await CopyOutAsync(job, build.KernelPath!, bootInitrd, output, cancellationToken).ConfigureAwait(false);
        return new TargetResult(job.Target, job.Platform, job.Architecture, job.KernelFileName, sha256, buildSeconds, image, smoke, null) { Builder = _builder.Name, Cache = cacheStatistics };
    }

    /// <summary>The target's sources, checked to offer its platform and architecture; or why not.</summary>
    private async Task<(ResolvedSources? Sources, string? WhyNot)> ResolveAsync(Kraftfile kraftfile, TargetJob job, Action<string> log, CancellationToken cancellationToken)
    {
        ResolvedSources sources;
        try
        {
            sources = await _sources.ResolveAsync(kraftfile, cancellationToken).ConfigureAwait(false);
        }
        catch (SourceException ex)
        {
            return (null, ex.Message);
        }

        if (CoreOffer.WhyNot(sources.Core.Directory, job.Platform, job.Architecture) is { } notOffered)
        {
            return (null, notOffered);
        }

        log($"farm: {job.KernelFileName}: sources: core {Describe(sources.Core)}, app {sources.Application.Directory}"
            + string.Concat(sources.Libraries.Select(l => $", {l.Name} {Describe(l)}")));
        return (sources, null);
    }

    private static void LogSmoke(TargetJob job, SmokeResult smoke, SmokeVerdict verdict, Action<string> log)
    {
        if (verdict.SkipReason is { } skipped)
        {
            log($"farm: {job.KernelFileName}: SKIPPED: {skipped}");
        }
        else if (verdict.FailureReason is not null)
        {
            foreach (var line in ConsoleJudge.Tail(smoke.Console))
            {
                log($"  console| {line}");
            }
        }
        else
        {
            log(smoke.Status == SmokeStatus.Skipped
                ? $"farm: {job.KernelFileName}: smoke test skipped: the image is not booted"
                : $"farm: {job.KernelFileName}: smoke test passed on {smoke.Runner} in {smoke.Elapsed.TotalSeconds:0.00} s");
        }
    }

    /// <summary>The tested kernel (and the initrd it booted with) into the output directory, only now; the kernel's sha256.</summary>
    private static async Task<string> CopyOutAsync(TargetJob job, string builtKernel, string? bootInitrd, string output, CancellationToken cancellationToken)
    {
        var kernel = Path.Combine(output, job.KernelFileName);
        await InPlaceWrite.CopyAsync(builtKernel, kernel, cancellationToken).ConfigureAwait(false);
        if (bootInitrd is not null)
        {
            await InPlaceWrite.CopyAsync(bootInitrd, Path.Combine(output, TargetOutputFiles.Initrd), cancellationToken).ConfigureAwait(false);
        }

        await using var stream = File.OpenRead(kernel);
        return Convert.ToHexStringLower(await SHA256.HashDataAsync(stream, cancellationToken).ConfigureAwait(false));
    }

    /// <summary>
    /// Boots a kernel built elsewhere (a runtime image's) as a target's smoke test, with the app's initrd when it has
    /// one; <paramref name="work"/> holds its files.
    /// </summary>
    public Task<SmokeResult> SmokeOnlyAsync(Kraftfile kraftfile, TargetJob job, string kernel, string? initrd, string work, Action<string> log, CancellationToken cancellationToken) =>
        SmokeAsync(kraftfile, job, kernel, initrd, null, work, log, onPhase: null, cancellationToken);

    private async Task<SmokeResult> SmokeAsync(Kraftfile kraftfile, TargetJob job, string kernel, string? initrd, string? config, string buildDirectory, Action<string> log, Action<TargetPhase>? onPhase, CancellationToken cancellationToken)
    {
        var runner = _runners.FirstOrDefault(r => r.Serves(job.Platform, job.Architecture));
        if (runner is null)
        {
            return SmokeResult.Unavailable("none", $"this host has no way to boot {job.Platform}/{job.Architecture} (host is {_capabilities.HostArchitecture})");
        }

        // An emulated CPU may lack what the kernel needs: known from the probe, so the boot is not tried to fail.
        if (runner is QemuRunner { UseKvm: false } && _capabilities.EmulatedX8664Features is { } features
            && KernelCpuNeeds.Of(config, job.Architecture) is var needs
            && KernelCpuNeeds.Lacking(needs, features, $"{runner.Name} (QEMU's TCG emulation)") is { } lacking)
        {
            return SmokeResult.Unavailable(runner.Name, lacking) with { LackingCpu = KernelCpuNeeds.Missing(needs, features) };
        }

        var expectation = SmokeExpectation.From(kraftfile.Farm.Smoke);
        onPhase?.Invoke(TargetPhase.Booting);
        log($"farm: {job.KernelFileName}: booting on {runner.Name}, expecting {expectation.Describe()} within {expectation.Timeout.TotalSeconds:0.#} s"
            + (expectation.Exit is { } exit ? $" and exit status {exit}" : string.Empty)
            + (initrd is not null ? $", initrd {new FileInfo(initrd).Length} bytes" : string.Empty));
        var work = Path.Combine(Path.GetFullPath(buildDirectory), "smoke");
        Directory.CreateDirectory(work);
        var request = new SmokeRequest(kernel, job.Platform, job.Architecture, expectation, work) { Arguments = kraftfile.Cmd, InitrdPath = initrd, Sandbox = _sandbox };
        return await runner.RunAsync(request, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Where a target builds unless told (<c>--build-dir</c>): in the worker's cache directory, one per app location
    /// and kernel, kept between runs so make rebuilds in place; never inside the app, whose checkout may be read-only.
    /// </summary>
    public static string DefaultBuildDirectory(Kraftfile kraftfile, TargetJob job)
    {
        var location = Convert.ToHexStringLower(SHA256.HashData(System.Text.Encoding.UTF8.GetBytes(Path.GetFullPath(kraftfile.Directory))))[..12];
        return Path.Combine(Settings.WorkerSettings.CacheDirectory(), "build", $"{kraftfile.Name}-{location}", job.KernelFileName);
    }

    private static string Describe(ResolvedComponent component) =>
        component.Commit is { } commit ? $"{component.Origin}@{commit[..12]}" : component.Directory;
}
