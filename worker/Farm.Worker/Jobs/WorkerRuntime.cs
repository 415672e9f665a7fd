using Farm.Worker.Builders;
using Farm.Worker.Caching;
using Farm.Worker.Capabilities;
using Farm.Worker.Pipeline;
using Farm.State.Sources;

using Farm.Worker.Settings;

namespace Farm.Worker.Jobs;

/// <summary>
/// What a worker process is: its name, what it detected it can do, and the parts its target jobs share (source
/// checkouts, the make builder, smoke runners, the object cache, the target cache). Built once at start-up, by
/// <c>worker serve</c> and by the embedded farm alike.
/// </summary>
public sealed class WorkerRuntime
{
    private WorkerRuntime(string name, HostCapabilities capabilities, WorkerSettings settings, string workDirectory, Targets.TargetCache targets, Rootfs.RootfsLayerCache layers)
    {
        Settings = settings;
        RootfsLayers = layers;
        Name = name;
        Capabilities = capabilities;
        CacheDirectory = settings.Worker.ResolvedCacheDirectory;
        WorkDirectory = workDirectory;
        TargetCache = targets;
        Git = new GitCheckoutCache(Path.Combine(CacheDirectory, "sources"), settings.SourceArchive(), settings.Sources.Policy());
        Sources = new SourceResolver(Git);
    }

    public string Name { get; }

    /// <summary>The queues (<c>plat-arch</c>) this worker serves: it can compile for the architecture and boot the platform.</summary>
    public IReadOnlyList<string> Queues => Capabilities.Queues;

    /// <summary>Parallel compile jobs per target build.</summary>
    public int CompileJobs { get; private init; } = Environment.ProcessorCount;

    /// <summary>This runtime with <paramref name="jobs"/> compile jobs per target (when several targets build at once).</summary>
    public WorkerRuntime WithCompileJobs(int jobs) => new(Name, Capabilities, Settings, WorkDirectory, TargetCache, RootfsLayers) { CompileJobs = Math.Max(1, jobs), Smoke = Smoke, LocalBuilds = LocalBuilds };

    /// <summary>
    /// Whether builds may name a Kraftfile on this host's disk (<c>farm build</c>, the embedded farm). A served worker
    /// builds only git sources and uploads: a job row naming a local path is forged or stale, and is refused.
    /// </summary>
    public bool LocalBuilds { get; private init; }

    /// <summary>This runtime for the embedded farm: builds of local Kraftfiles, each within its recorded source tree.</summary>
    public WorkerRuntime ForLocalBuilds() => new(Name, Capabilities, Settings, WorkDirectory, TargetCache, RootfsLayers) { CompileJobs = CompileJobs, Smoke = Smoke, LocalBuilds = true };

    /// <summary>Whether target jobs boot their image before it counts (the default).</summary>
    public bool Smoke { get; private init; } = true;

    /// <summary>
    /// This runtime with smoke tests off (<c>farm build --no-smoke</c>): it serves every platform of the architectures it
    /// compiles for, publishes images untested, and never fills the target cache, which holds tested kernels only.
    /// </summary>
    public WorkerRuntime WithoutSmoke() => new(Name, Capabilities.CompileOnly(), Settings, WorkDirectory, TargetCache, RootfsLayers) { CompileJobs = CompileJobs, Smoke = false, LocalBuilds = LocalBuilds };

    internal HostCapabilities Capabilities { get; }

    /// <summary>The settings this worker started with, checked then.</summary>
    internal WorkerSettings Settings { get; }

    internal string CacheDirectory { get; }

    /// <summary>Where target jobs build and write their outputs (<c>builds/&lt;build&gt;/&lt;kernel&gt;</c>).</summary>
    internal string WorkDirectory { get; }

    internal SourceResolver Sources { get; }

    internal GitCheckoutCache Git { get; }

    internal Targets.TargetCache TargetCache { get; }

    /// <summary>Dockerfile rootfs results, in the same repository as the target cache.</summary>
    internal Rootfs.RootfsLayerCache RootfsLayers { get; }

    /// <summary>Detects this host (compilers, probe boots) and sets up the shared parts.</summary>
    /// <param name="workDirectory">Build directories and per-target outputs.</param>
    /// <param name="configuredQueues">Restricts the detected queues (never adds to them); empty means all.</param>
    /// <param name="settings">The process's settings, checked (<see cref="WorkerSettings.Load"/>).</param>
    public static async Task<WorkerRuntime> StartAsync(string name, string workDirectory, IReadOnlyList<string> configuredQueues, WorkerSettings settings, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var capabilities = await CapabilityDetector.DetectAsync(configuredQueues, cancellationToken).ConfigureAwait(false);
        var repository = Targets.TargetCache.OpenRepository(settings.Worker.ResolvedCacheDirectory, settings.Cache.Registry);
        return new WorkerRuntime(name, capabilities, settings, Path.GetFullPath(workDirectory), new Targets.TargetCache(repository), new Rootfs.RootfsLayerCache(repository));
    }

    /// <summary>Why this worker does not serve <paramref name="platform"/>/<paramref name="architecture"/>, or null when it does.</summary>
    public string? WhyNotServed(string platform, string architecture) => Capabilities.WhyNotServed(platform, architecture);

    /// <summary>The app's rootfs as a cpio for a target of <paramref name="architecture"/>; untrusted builds only read the layer cache.</summary>
    /// <param name="tree">The build's source tree, which a rootfs on disk must stay in; null for anywhere.</param>
    /// <returns>The initrd, or why it cannot be made; and whether the rootfs layer cache served it (null: no Dockerfile, or not keyed).</returns>
    internal async Task<(byte[]? Initrd, string? Failure, bool? LayerCacheHit)> InitrdAsync(Core.Kraftfiles.Kraftfile kraftfile, Core.IO.SourceTree? tree, string architecture, bool trusted, Action<string> log, CancellationToken cancellationToken)
    {
        if (kraftfile.Rootfs is not { } rootfs)
        {
            return (null, null, null);
        }

        try
        {
            var builder = new Rootfs.InitrdBuilder(Path.Combine(WorkDirectory, "rootfs"), layers: trusted ? RootfsLayers : RootfsLayers.ReadOnly()) { Architecture = architecture, Tree = tree };
            return (await builder.BuildAsync(kraftfile.Directory, rootfs, log, cancellationToken).ConfigureAwait(false), null, builder.LayerCacheHit);
        }
        catch (Rootfs.RootfsException ex)
        {
            return (null, $"{kraftfile.Path}: {ex.Message}", null);
        }
    }

    internal TargetPipeline Pipeline(Core.IO.SourceTree? tree) => new(Sources.Within(tree), new UnikraftMakeBuilder(Settings.Worker.OriginsDirectory), Capabilities, CapabilityDetector.Runners(Capabilities));

    /// <summary>
    /// The object cache a target compiles through: a worker always has one, on local disk in its cache directory unless
    /// <c>Farm__Cache__Directory</c> (<c>FARM_CACHE_DIR</c>) names another, given to farm-cc in the build's environment.
    /// </summary>
    internal Caching.ObjectCache? ObjectCache(Action<string> log) => Caching.ObjectCache.From(Settings.Cache, Path.Combine(CacheDirectory, "objects"), log);
}
