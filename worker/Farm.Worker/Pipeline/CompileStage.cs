using Farm.Cache.Stats;
using Farm.Core.IO;
using Farm.Core.Kraftfiles;
using Farm.Core.Planning;
using Farm.State.Sources;
using Farm.Worker.Builders;
using Farm.Worker.Caching;

namespace Farm.Worker.Pipeline;

/// <summary>
/// make through the object cache: the target's cache bundle prefetched, the rootfs placed where the kernel embeds it,
/// compiles routed through farm-cc (through the build's broker when sandboxed), the bundle published after a success,
/// and the target's cache counters read from its event log.
/// </summary>
internal sealed class CompileStage
{
    private readonly IKernelBuilder _builder;
    private readonly Sandboxing.BuildSandbox _sandbox;

    public CompileStage(IKernelBuilder builder, Sandboxing.BuildSandbox sandbox)
    {
        _builder = builder;
        _sandbox = sandbox;
    }

    public async Task<Compiled> RunAsync(Kraftfile kraftfile, TargetJob job, ResolvedSources sources, Toolchain toolchain, TargetPipelineOptions options, string buildDirectory, Action<string> log, CancellationToken cancellationToken)
    {
        var cache = options.CompilerLauncher is null ? options.Cache : null;
        var cacheTarget = $"{kraftfile.Name}/{job.KernelFileName}";
        var events = ObjectCache.EventsFile(buildDirectory);
        Directory.CreateDirectory(Path.GetDirectoryName(events)!);
        File.Delete(events);
        IReadOnlyList<string> prefetched = cache is null ? [] : await cache.PrefetchAsync(cacheTarget, log, cancellationToken).ConfigureAwait(false);

        // The rootfs sits at a fixed path in the build directory, rewritten only when it changed: the embedded
        // initrd's path is in the generated config.h, and its file's time drives make's relink.
        var initrd = options.Initrd is { } rootfs ? await WriteIfChangedAsync(Path.Combine(Path.GetFullPath(buildDirectory), "farm-initrd.cpio"), rootfs, cancellationToken).ConfigureAwait(false) : null;
        var embedded = initrd is not null && job.EmbedsInitrd;
        if (embedded)
        {
            log($"farm: {job.KernelFileName}: the kconfig embeds the rootfs ({options.Initrd!.Length} bytes) in the kernel");
        }

        // Sandboxed compiles reach the object cache only through this build's broker, which holds the scope.
        await using var broker = cache is not null && _sandbox.Enabled ? cache.StartBroker(log) : null;
        var request = new BuildRequest(kraftfile, job, sources, toolchain, buildDirectory)
        {
            ExtraKConfig = embedded ? [new("CONFIG_LIBVFSCORE_AUTOMOUNT_EINITRD_PATH", $"\"{initrd}\"")] : [],
            Jobs = options.Jobs,
            CompilerLauncher = options.CompilerLauncher ?? cache?.Launcher,
            Environment = broker is not null ? cache!.SandboxEnvironment(events)
                : cache?.Environment(events) ?? new Dictionary<string, string> { ["FARM_CACHE_EVENTS"] = events },
            Sandbox = _sandbox,
            CacheSocket = broker?.SocketPath,
            Snapshots = cache?.Snapshots,
            Placed = initrd is null ? [events] : [events, initrd],
        };
        options.OnPhase?.Invoke(TargetPhase.Building);
        var build = await _builder.BuildAsync(request, log, cancellationToken).ConfigureAwait(false);
        if (broker is not null)
        {
            await RecordBrokerAsync(broker, job, events, log, cancellationToken).ConfigureAwait(false);
        }

        if (build.Succeeded && cache is not null)
        {
            await cache.PublishAsync(cacheTarget, new PublishedBuild(buildDirectory, events, prefetched, build.SnapshotKey), log, cancellationToken).ConfigureAwait(false);
        }

        var statistics = request.CompilerLauncher is null ? null : ObjectCache.Statistics(events);
        if (statistics is not null)
        {
            log($"farm: {job.KernelFileName}: cache: {statistics.Hits} hits, {statistics.Misses} misses, {statistics.Uncacheable} uncacheable");
        }

        return new Compiled(build, statistics, embedded ? null : initrd);
    }

    /// <summary>The broker's refusals logged; its tier errors (Redis down) and which tier answered counted for this target as farm-cc's own would be.</summary>
    private static async Task RecordBrokerAsync(Sandboxing.CacheBroker broker, TargetJob job, string events, Action<string> log, CancellationToken cancellationToken)
    {
        if (broker.Refusals > 0)
        {
            log($"farm: {job.KernelFileName}: cache: the broker refused {broker.Refusals} requests outside this build's scope");
        }

        if (broker.ErrorEvents.Concat(broker.AnswerEvents).ToList() is { Count: > 0 } brokerEvents
            && FileKinds.Of(events) is FileKind.Regular or FileKind.Absent)
        {
            await File.AppendAllLinesAsync(events, brokerEvents, cancellationToken).ConfigureAwait(false);
        }
    }

    private static async Task<string> WriteIfChangedAsync(string path, byte[] contents, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        if (File.Exists(path) && new FileInfo(path).Length == contents.Length
            && (await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false)).AsSpan().SequenceEqual(contents))
        {
            return path;
        }

        await InPlaceWrite.WriteAllBytesAsync(path, contents, cancellationToken).ConfigureAwait(false);
        return path;
    }
}

/// <summary>make's outcome, the target's object cache counters, and the initrd to boot with (none when the kernel embeds it).</summary>
internal sealed record Compiled(BuildOutcome Build, CacheStatistics? Cache, string? BootInitrd);
