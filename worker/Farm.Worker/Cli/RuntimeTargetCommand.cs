using Farm.Core.Oci.Repositories;
using Farm.Core.Builds;
using Farm.Core.IO;
using Farm.Core.Oci;
using Farm.Core.Oci.Distribution;
using Farm.Core.Planning;
using Farm.Worker.Capabilities;
using Farm.Worker.Jobs;
using Farm.Worker.Pipeline;
using Farm.Worker.Rootfs;
using Farm.Worker.Runtimes;
using Farm.Worker.Smoke;
using Farm.State.Sources;

using Farm.Worker.Settings;

namespace Farm.Worker.Cli;

/// <summary>
/// <c>worker build-target</c> for a runtime-only Kraftfile: the runtime image's kernel for the platform (through
/// <c>--runtime-mirror</c> when its registry is not reachable), this app's initrd, the smoke test; the output
/// directory gets the kernel, <c>initrd</c>, <c>.config</c> (the runtime's features), <c>console.log</c> and
/// <c>result.json</c>, as for a target built from source.
/// </summary>
internal static class RuntimeTargetCommand
{

    public static async Task<int> RunAsync(BuildPlan plan, string selector, string outputDirectory, string[] mirrorSettings, bool json, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken)
    {
        var kraftfile = plan.Kraftfile;
        if (await WorkerSettings.LoadOrReportAsync(stderr, "worker build-target").ConfigureAwait(false) is not { } settings)
        {
            return WorkerCli.UsageError;
        }

        var cacheDirectory = settings.Worker.ResolvedCacheDirectory;
        var mirrors = new RuntimeMirrors();
        foreach (var mirror in mirrorSettings.Where(m => !mirrors.TryAdd(m)))
        {
            await stderr.WriteLineAsync($"worker: --runtime-mirror {mirror}: not REGISTRY=TARGET (e.g. unikraft.org=oci:out/catalog)").ConfigureAwait(false);
            return WorkerCli.UsageError;
        }

        var slash = selector.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0)
        {
            await stderr.WriteLineAsync($"{kraftfile.Path}: --target {selector}: a runtime-only Kraftfile's targets are the runtime's platforms: give plat/arch (e.g. qemu/x86_64)").ConfigureAwait(false);
            return WorkerCli.UsageError;
        }

        var (platform, architecture) = (selector[..slash], selector[(slash + 1)..]);
        var location = mirrors.Resolve(plan.Runtime!.Reference);
        if (!OciReference.TryParse(location, out var reference, out var error))
        {
            await stderr.WriteLineAsync($"{kraftfile.Path}: runtime: {location}: {error}").ConfigureAwait(false);
            return WorkerCli.Failed;
        }

        var output = Path.GetFullPath(outputDirectory);
        Directory.CreateDirectory(output);
        foreach (var stale in new[] { TargetOutputFiles.Result, TargetOutputFiles.Initrd, TargetOutputFiles.Console, TargetOutputFiles.Config })
        {
            // A device is refused, not deleted (see TargetPipeline.RunAsync).
            var path = Path.Combine(output, stale);
            if (InPlaceWrite.Refusal(path) is { } kind)
            {
                await stderr.WriteLineAsync($"worker: --out {outputDirectory}: {new RefusedWriteException(path, kind).Message}").ConfigureAwait(false);
                return WorkerCli.Failed;
            }

            File.Delete(path);
        }

        void Log(string line) => stderr.WriteLine(line);
        var name = $"{kraftfile.Name}_{platform}-{architecture}";
        TargetResult Failed(string reason, SmokeResult? smoke = null) => new(kraftfile.Name, platform, architecture, null, null, null, null, smoke, reason) { Builder = "runtime" };
        TargetResult result;
        try
        {
            var repository = OciRepositories.Open(reference, new RegistryClientOptions { Insecure = !reference.IsLayout && RegistryClient.IsLoopback(reference.Registry!) });
            var planned = kraftfile.Targets.FirstOrDefault(t => t.Platform == platform && t.Architecture == architecture);
            var required = planned is null ? [] : RuntimeSelection.RequiredFeatures(planned);
            if (await RuntimeKernel.FetchAsync(repository, reference.Selector, platform, architecture, required, cancellationToken).ConfigureAwait(false) is not { } fetched)
            {
                result = Failed($"the runtime {plan.Runtime.Reference} ({location}) has no kernel for {platform}/{architecture}{(required.Count > 0 ? $" with {string.Join(", ", required)}" : string.Empty)}");
            }
            else
            {
                Log($"farm: {name}: kernel from the runtime {plan.Runtime.Reference} ({location}), layer {fetched.Layer}");
                var kernel = Path.Combine(output, name);
                await InPlaceWrite.WriteAllBytesAsync(kernel, fetched.Kernel, cancellationToken).ConfigureAwait(false);
                File.SetUnixFileMode(kernel, (UnixFileMode)0x1ED);
                await InPlaceWrite.WriteAllTextAsync(Path.Combine(output, TargetOutputFiles.Config), string.Concat(fetched.Config.Features.Select(f => f + Environment.NewLine)), cancellationToken).ConfigureAwait(false);
                string? initrdPath = null;
                if (kraftfile.Rootfs is { } rootfs)
                {
                    var layers = new RootfsLayerCache(Targets.TargetCache.OpenRepository(cacheDirectory, settings.Cache.Registry));
                    var initrd = await new InitrdBuilder(Path.Combine(cacheDirectory, "rootfs"), layers: layers) { Architecture = architecture }.BuildAsync(kraftfile.Directory, rootfs, Log, cancellationToken).ConfigureAwait(false);
                    initrdPath = Path.Combine(output, TargetOutputFiles.Initrd);
                    await InPlaceWrite.WriteAllBytesAsync(initrdPath, initrd, cancellationToken).ConfigureAwait(false);
                }

                var capabilities = await CapabilityDetector.DetectAsync(null, cancellationToken).ConfigureAwait(false);
                var pipeline = new TargetPipeline(new SourceResolver(new GitCheckoutCache(Path.Combine(cacheDirectory, "sources"), settings.SourceArchive(), settings.Sources.Policy())), new Builders.UnikraftMakeBuilder(settings.Worker.OriginsDirectory), capabilities, CapabilityDetector.Runners(capabilities));
                var job = new TargetJob(kraftfile.Name, platform, architecture, Queues.For(platform, architecture), name, [], new WorkerRequirements(architecture, platform, false));
                var smoke = await pipeline.SmokeOnlyAsync(kraftfile, job, kernel, initrdPath, Path.Combine(output, ".smoke"), Log, cancellationToken).ConfigureAwait(false);
                await InPlaceWrite.WriteAllTextAsync(Path.Combine(output, TargetOutputFiles.Console), smoke.Console, cancellationToken).ConfigureAwait(false);
                result = smoke.Status == SmokeStatus.Passed
                    ? new TargetResult(kraftfile.Name, platform, architecture, name, Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(fetched.Kernel)), null, null, smoke, null) { Builder = "runtime" }
                    : smoke.Status == SmokeStatus.Unavailable
                        ? new TargetResult(kraftfile.Name, platform, architecture, null, null, null, null, smoke, null) { Builder = "runtime", SkipReason = capabilities.WhyNotServed(platform, architecture) ?? $"cannot boot {platform}/{architecture} here ({smoke.Runner}): {smoke.Reason}" }
                        : Failed($"smoke test failed ({smoke.Runner}): {smoke.Reason}", smoke);
            }
        }
        catch (Exception ex) when (ex is RegistryException or IOException or HttpRequestException or OciFormatException or RootfsException)
        {
            result = Failed($"runtime {plan.Runtime.Reference} ({location}): {ex.Message}");
        }

        await TargetResultWriter.WriteAsync(Path.Combine(output, TargetOutputFiles.Result), result, cancellationToken).ConfigureAwait(false);
        await stdout.WriteLineAsync(json ? TargetResultWriter.ToJson(result) : BuildTargetCommand.Summary(result)).ConfigureAwait(false);
        return result.Succeeded ? WorkerCli.Success : result.SkipReason is not null ? WorkerCli.Skipped : WorkerCli.Failed;
    }
}
