using Farm.Core.Kraftfiles;
using Farm.Core.Planning;
using Farm.State.Sources;

namespace Farm.Worker.Builders;

/// <summary>
/// One target to build. <see cref="BuildDirectory"/> belongs to this target alone (make's <c>O=</c>).
/// <see cref="HostUtc"/> is fixed so that the same sources give the same kernel, byte for byte.
/// <see cref="CompilerLauncher"/> is the hook for the object cache: make runs <c>CC="launcher gcc"</c>.
/// </summary>
internal sealed record BuildRequest(
    Kraftfile Kraftfile,
    TargetJob Job,
    ResolvedSources Sources,
    Toolchain Toolchain,
    string BuildDirectory)
{
    public int Jobs { get; init; } = System.Environment.ProcessorCount;

    public string HostUtc { get; init; } = BuildClock.DefaultHostUtc;

    public string? CompilerLauncher { get; init; }

    /// <summary>More environment for make (the object cache's per-target settings).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();

    /// <summary>Where make and every compile run; the target's sources read-only, its build directory writable.</summary>
    public Sandboxing.BuildSandbox Sandbox { get; init; } = Sandboxing.BuildSandbox.Current;

    /// <summary>The cache broker's socket for this build (bound into the sandbox), or null without one.</summary>
    public string? CacheSocket { get; init; }

    /// <summary>Earlier builds of this target to start from (the object cache's local tier), or null to build every object.</summary>
    public Caching.Snapshots.BuildSnapshots? Snapshots { get; init; }

    /// <summary>kconfig the farm adds after the target's own (the embedded initrd's path).</summary>
    public IReadOnlyList<KeyValuePair<string, string>> ExtraKConfig { get; init; } = [];

    /// <summary>Files the pipeline placed in the build directory for this build (the rootfs, farm-cc's events file): kept when the directory is emptied.</summary>
    public IReadOnlyList<string> Placed { get; init; } = [];
}
