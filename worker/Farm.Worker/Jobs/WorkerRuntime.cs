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
    private WorkerRuntime(string name, HostCapabilities capabilities, string cacheDirectory, string workDirectory, Targets.TargetCache targets, Rootfs.RootfsLayerCache layers)
    {
        RootfsLayers = layers;
        Name = name;
        Capabilities = capabilities;
        CacheDirectory = cacheDirectory;
        WorkDirectory = workDirectory;
        TargetCache = targets;
        Git = new GitCheckoutCache(Path.Combine(cacheDirectory, "sources"), WorkerSettings.SourceArchive());
        Sources = new SourceResolver(Git);
    }

    public string Name { get; }

    /// <summary>The queues (<c>plat-arch</c>) this worker serves: it can compile for the architecture and boot the platform.</summary>
    public IReadOnlyList<string> Queues => Capabilities.Queues;

    /// <summary>Parallel compile jobs per target build.</summary>
    public int CompileJobs { get; private init; } = Environment.ProcessorCount;

    /// <summary>This runtime with <paramref name="jobs"/> compile jobs per target (when several targets build at once).</summary>
    public WorkerRuntime WithCompileJobs(int jobs) => new(Name, Capabilities, CacheDirectory, WorkDirectory, TargetCache, RootfsLayers) { CompileJobs = Math.Max(1, jobs), Smoke = Smoke, LocalBuilds = LocalBuilds };

    /// <summary>
    /// Whether builds may name a Kraftfile on this host's disk (<c>farm build</c>, the embedded farm). A served worker
    /// builds only git sources and uploads: a job row naming a local path is forged or stale, and is refused.
    /// </summary>
    public bool LocalBuilds { get; private init; }

    /// <summary>This runtime for the embedded farm: builds of local Kraftfiles, each within its recorded source tree.</summary>
    public WorkerRuntime ForLocalBuilds() => new(Name, Capabilities, CacheDirectory, WorkDirectory, TargetCache, RootfsLayers) { CompileJobs = CompileJobs, Smoke = Smoke, LocalBuilds = true };

    /// <summary>Whether target jobs boot their image before it counts (the default).</summary>
    public bool Smoke { get; private init; } = true;

    /// <summary>
    /// This runtime with smoke tests off (<c>farm build --no-smoke</c>): it serves every platform of the architectures it
    /// compiles for, publishes images untested, and never fills the target cache, which holds tested kernels only.
    /// </summary>
    public WorkerRuntime WithoutSmoke() => new(Name, Capabilities.CompileOnly(), CacheDirectory, WorkDirectory, TargetCache, RootfsLayers) { CompileJobs = CompileJobs, Smoke = false, LocalBuilds = LocalBuilds };

    internal HostCapabilities Capabilities { get; }

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
    public static async Task<WorkerRuntime> StartAsync(string name, string workDirectory, IReadOnlyList<string> configuredQueues, CancellationToken cancellationToken)
    {
        ApplyCacheDefaults();
        var capabilities = await CapabilityDetector.DetectAsync(configuredQueues, cancellationToken).ConfigureAwait(false);
        var cacheDirectory = WorkerSettings.CacheDirectory();
        var repository = Targets.TargetCache.OpenRepository(cacheDirectory);
        return new WorkerRuntime(name, capabilities, cacheDirectory, Path.GetFullPath(workDirectory), new Targets.TargetCache(repository), new Rootfs.RootfsLayerCache(repository));
    }

    /// <summary>
    /// A worker compiles through the object cache unless told otherwise: on local disk in its cache directory
    /// (<c>FARM_CACHE_DIR</c>), Redis from <c>ConnectionStrings__Redis</c> (the farm's setting) unless
    /// <c>FARM_CACHE_REDIS</c> names one, and farm-cc from <c>FARM_CC</c>, PATH, or beside this program.
    /// </summary>
    private static void ApplyCacheDefaults()
    {
        if (Environment.GetEnvironmentVariable("FARM_CACHE_DIR") is not { Length: > 0 })
        {
            Environment.SetEnvironmentVariable("FARM_CACHE_DIR", Path.Combine(WorkerSettings.CacheDirectory(), "objects"));
        }

        if (Environment.GetEnvironmentVariable("FARM_CACHE_REDIS") is not { Length: > 0 } && Environment.GetEnvironmentVariable("ConnectionStrings__Redis") is { Length: > 0 } redis)
        {
            Environment.SetEnvironmentVariable("FARM_CACHE_REDIS", redis);
        }

        if (Environment.GetEnvironmentVariable("FARM_CC") is not { Length: > 0 } && File.Exists(Path.Combine(AppContext.BaseDirectory, "farm-cc")))
        {
            Environment.SetEnvironmentVariable("FARM_CC", Path.Combine(AppContext.BaseDirectory, "farm-cc"));
        }
    }

    /// <summary>Why this worker does not serve <paramref name="platform"/>/<paramref name="architecture"/>, or null when it does.</summary>
    public string? WhyNotServed(string platform, string architecture) => Capabilities.WhyNotServed(platform, architecture);

    /// <summary>The app's initrd from its <c>rootfs:</c> (null without one), or why it cannot be made, naming the Kraftfile.</summary>
    /// <summary>The app's rootfs as a cpio for a target of <paramref name="architecture"/>; untrusted builds only read the layer cache.</summary>
    /// <param name="tree">The build's source tree, which a rootfs on disk must stay in; null for anywhere.</param>
    internal async Task<(byte[]? Initrd, string? Failure)> InitrdAsync(Core.Kraftfiles.Kraftfile kraftfile, Core.IO.SourceTree? tree, string architecture, bool trusted, Action<string> log, CancellationToken cancellationToken)
    {
        if (kraftfile.Rootfs is not { } rootfs)
        {
            return (null, null);
        }

        try
        {
            var builder = new Rootfs.InitrdBuilder(Path.Combine(WorkDirectory, "rootfs"), layers: trusted ? RootfsLayers : RootfsLayers.ReadOnly()) { Architecture = architecture, Tree = tree };
            return (await builder.BuildAsync(kraftfile.Directory, rootfs, log, cancellationToken).ConfigureAwait(false), null);
        }
        catch (Rootfs.RootfsException ex)
        {
            return (null, $"{kraftfile.Path}: {ex.Message}");
        }
    }

    internal TargetPipeline Pipeline(Core.IO.SourceTree? tree) => new(Sources.Within(tree), new UnikraftMakeBuilder(), Capabilities, CapabilityDetector.Runners(Capabilities));

    internal static ObjectCache? ObjectCache(Action<string> log) => Caching.ObjectCache.FromEnvironment(log);
}
