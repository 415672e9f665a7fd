using System.CommandLine;
using Farm.Core.Kraftfiles;
using Farm.Core.Planning;
using Farm.Worker.Builders;
using Farm.Worker.Capabilities;
using Farm.Worker.Pipeline;
using Farm.Worker.Rootfs;
using Farm.Worker.Smoke;
using Farm.State.Sources;

using Farm.Worker.Settings;

namespace Farm.Worker.Cli;

/// <summary>
/// <c>worker build-target PATH --target NAME|plat/arch --out DIR [--json]</c>: resolve sources, build, boot, and
/// write the kernel, <c>.config</c>, <c>console.log</c>, <c>build.log</c> and <c>result.json</c> to DIR. The build
/// log streams to stderr; stdout carries the summary (or <c>result.json</c> with <c>--json</c>).
/// </summary>
internal static class BuildTargetCommand
{
    public static Command Create(TextWriter stdout, TextWriter stderr)
    {
        var path = new Argument<string>("PATH") { Description = "A Kraftfile, or a directory holding one" };
        var target = new Option<string>("--target", "-t") { Description = "The target: its name, or plat/arch (e.g. qemu/x86_64)", Required = true };
        var output = new Option<string>("--out", "-o") { Description = "Directory for the kernel, .config, console.log and result.json", Required = true };
        var json = new Option<bool>("--json") { Description = "Print result.json on stdout" };
        var buildDirectory = new Option<string?>("--build-dir") { Description = "make's O= (default: build/<app>-<hash>/<kernel> in the worker's cache directory, Farm__Worker__CacheDirectory or ~/.cache/unikernel-farm)" };
        var jobs = new Option<int>("--jobs", "-j") { Description = "Parallel compile jobs", DefaultValueFactory = _ => Environment.ProcessorCount };
        var builder = new Option<string>("--builder") { Description = "make (Unikraft's make, default) or kraft (the kraft CLI)", DefaultValueFactory = _ => "make" };
        builder.AcceptOnlyFromAmong("make", "kraft");
        var launcher = new Option<string?>("--cc-launcher") { Description = "A program make runs compiles through (CC=\"LAUNCHER gcc\"), e.g. a cache wrapper" };
        var runtimeMirror = new Option<string[]>("--runtime-mirror") { Description = "For a runtime-only Kraftfile: fetch REGISTRY's images from TARGET (REGISTRY=host:port/prefix or REGISTRY=oci:DIR; repeatable)" };
        var command = new Command("build-target", "Build one target of a Kraftfile and boot-test it");
        command.Arguments.Add(path);
        foreach (var option in new Option[] { target, output, json, buildDirectory, jobs, builder, launcher, runtimeMirror })
        {
            command.Options.Add(option);
        }

        command.SetAction((result, cancellationToken) => RunAsync(
            result.GetValue(path)!,
            result.GetValue(target)!,
            new TargetPipelineOptions(result.GetValue(output)!)
            {
                BuildDirectory = result.GetValue(buildDirectory),
                Jobs = Math.Max(1, result.GetValue(jobs)),
                CompilerLauncher = result.GetValue(launcher) is { } l ? Path.GetFullPath(l) : null,
            },
            result.GetValue(builder) == "kraft",
            result.GetValue(json),
            result.GetValue(runtimeMirror) ?? [],
            stdout,
            stderr,
            cancellationToken));
        return command;
    }

    private static async Task<int> RunAsync(
        string path, string targetSelector, TargetPipelineOptions options, bool kraft, bool json, string[] runtimeMirrors, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        if (await WorkerSettings.LoadOrReportAsync(stderr, "worker build-target").ConfigureAwait(false) is not { } settings)
        {
            return WorkerCli.UsageError;
        }

        IKernelBuilder builder = kraft ? new KraftCliBuilder() : new UnikraftMakeBuilder(settings.Worker.OriginsDirectory);
        var cacheDirectory = settings.Worker.ResolvedCacheDirectory;
        var parsed = new KraftfileParser().Load(path);
        var planned = parsed.Kraftfile is { } k && parsed.IsValid ? Planner.Plan(k) : null;
        foreach (var diagnostic in parsed.Diagnostics.Concat(planned?.Diagnostics ?? []))
        {
            await stderr.WriteLineAsync(diagnostic.Format()).ConfigureAwait(false);
        }

        if (planned?.Plan is not { } plan)
        {
            return WorkerCli.Failed;
        }

        if (plan.TargetsComeFromRuntime)
        {
            return await RuntimeTargetCommand.RunAsync(plan, targetSelector, options.OutputDirectory, runtimeMirrors, json, stdout, stderr, cancellationToken).ConfigureAwait(false);
        }

        if (TargetSelector.Select(plan, targetSelector) is not { } job)
        {
            await stderr.WriteLineAsync($"{plan.Kraftfile.Path}: {TargetSelector.Explain(plan, targetSelector)}").ConfigureAwait(false);
            return WorkerCli.Failed;
        }

        if (builder.UnavailableReason is { } unavailable)
        {
            await stderr.WriteLineAsync($"worker: builder '{builder.Name}' cannot run here: {unavailable}").ConfigureAwait(false);
            return WorkerCli.Failed;
        }

        try
        {
            Directory.CreateDirectory(options.OutputDirectory);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            await stderr.WriteLineAsync($"worker: --out {options.OutputDirectory}: cannot create the output directory: {ex.Message}").ConfigureAwait(false);
            return WorkerCli.Failed;
        }

        if (options.CompilerLauncher is null)
        {
            options = options with { Cache = Caching.ObjectCache.FromEnvironment(settings.Cache, line => stderr.WriteLine(line)) };
        }

        if (plan.Kraftfile.Rootfs is { } rootfs)
        {
            try
            {
                var layers = new RootfsLayerCache(Targets.TargetCache.OpenRepository(cacheDirectory, settings.Cache.Registry));
                var initrd = await new InitrdBuilder(Path.Combine(cacheDirectory, "rootfs"), layers: layers) { Architecture = job.Architecture }.BuildAsync(plan.Kraftfile.Directory, rootfs, line => stderr.WriteLine(line), cancellationToken).ConfigureAwait(false);
                options = options with { Initrd = initrd };
            }
            catch (RootfsException ex)
            {
                var failed = new TargetResult(job.Target, job.Platform, job.Architecture, null, null, null, null, null, $"{plan.Kraftfile.Path}: {ex.Message}") { Builder = builder.Name };
                await stderr.WriteLineAsync(failed.FailureReason).ConfigureAwait(false);
                await TargetResultWriter.WriteAsync(Path.Combine(options.OutputDirectory, TargetOutputFiles.Result), failed, cancellationToken).ConfigureAwait(false);
                await stdout.WriteLineAsync(json ? TargetResultWriter.ToJson(failed) : Summary(failed)).ConfigureAwait(false);
                return WorkerCli.Failed;
            }
        }

        var capabilities = await CapabilityDetector.DetectAsync(null, cancellationToken).ConfigureAwait(false);
        var pipeline = new TargetPipeline(
            new SourceResolver(new GitCheckoutCache(Path.Combine(cacheDirectory, "sources"), settings.SourceArchive(), settings.Sources.Policy()) { Log = line => stderr.WriteLine(line) }),
            builder,
            capabilities,
            CapabilityDetector.Runners(capabilities));
        TargetResult result;
        try
        {
            result = await pipeline.RunAsync(plan.Kraftfile, job, options, line => stderr.WriteLine(line), cancellationToken).ConfigureAwait(false);
        }
        catch (Farm.Core.IO.RefusedWriteException ex)
        {
            await stderr.WriteLineAsync($"worker: --out {options.OutputDirectory}: {ex.Message}").ConfigureAwait(false);
            return WorkerCli.Failed;
        }

        if (json)
        {
            await stdout.WriteLineAsync(TargetResultWriter.ToJson(result)).ConfigureAwait(false);
        }
        else
        {
            await stdout.WriteLineAsync(Summary(result)).ConfigureAwait(false);
        }

        return result switch
        {
            { Succeeded: true } => WorkerCli.Success,
            { SkipReason: not null } => WorkerCli.Skipped,
            _ => WorkerCli.Failed,
        };
    }

    internal static string Summary(TargetResult result)
    {
        var name = $"{result.Target} ({result.Platform}/{result.Architecture})";
        return result.Succeeded
            ? $"{name}: passed — {(result.BuildSeconds is { } seconds ? $"built in {seconds:0.00} s" : "the runtime's kernel")}, booted on {result.Smoke!.Runner} in {result.Smoke.Elapsed.TotalSeconds:0.00} s; kernel {result.Kernel} sha256:{result.KernelSha256}"
            : result.Status == "skipped" ? $"{name}: SKIPPED — {result.SkipReason}"
            : $"{name}: FAILED — {result.FailureReason}";
    }
}
