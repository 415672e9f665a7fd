using System.Diagnostics;
using Farm.Worker.Caching.Snapshots;

namespace Farm.Worker.Builders;

/// <summary>
/// The make builder's use of <see cref="BuildSnapshots"/>: a target whose earlier build (any build directory) had the
/// same defconfig, build description and kconfig inputs skips <c>make defconfig</c> and <c>make prepare</c>, gets back
/// the generated files and every object whose inputs are unchanged, and runs make once, which compiles only what
/// changed, as an incremental make in place would. A snapshot problem is logged and the build goes on from nothing: a
/// cache is never the reason a build fails. Each step's time is logged (the worker's own share of a warm build).
/// </summary>
internal static class EarlierBuilds
{
    /// <summary>The host programs Unikraft builds kconfig's programs with (its HOSTCC, YACC and LEX).</summary>
    private static readonly string[] HostTools = ["gcc", "bison", "flex"];

    /// <summary>
    /// The key of this build: what its kept build directory and its snapshot are checked against; null when it cannot be
    /// computed (then nothing is kept, restored or recorded). The description is hashed while
    /// <paramref name="coreVersion"/> (a sandboxed run) is under way.
    /// </summary>
    public static async Task<string?> KeyAsync(BuildRequest request, string defconfig, Task<string?> coreVersion, Action<string> log)
    {
        try
        {
            var stopwatch = Stopwatch.StartNew();
            var description = Task.Run(() => BuildSnapshotKey.Description(Roots(request), request.BuildDirectory, Remembered(request)));
            var version = await coreVersion.ConfigureAwait(false);
            var versionTime = stopwatch.Elapsed;
            var described = await description.ConfigureAwait(false);
            log($"farm: {request.Job.KernelFileName}: build key (core version {versionTime.TotalMilliseconds:0} ms, with the description {stopwatch.Elapsed.TotalMilliseconds:0} ms)");
            return version is null ? null : Key(request, defconfig, version, described);
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            log($"farm: {request.Job.KernelFileName}: no build key, so no earlier build: {error.Message}");
            return null;
        }
    }

    /// <summary>The earlier build recorded under <paramref name="key"/>, or null.</summary>
    public static EarlierBuild? Find(BuildRequest request, string key, Action<string> log)
    {
        if (request.Snapshots is not { } snapshots)
        {
            return null;
        }

        try
        {
            var stopwatch = Stopwatch.StartNew();
            var earlier = snapshots.Find(key) is { } snapshot ? new EarlierBuild(key, snapshot) : null;
            log($"farm: {request.Job.KernelFileName}: earlier build {(earlier is null ? "not found" : "found")} (look-up {stopwatch.Elapsed.TotalMilliseconds:0} ms)");
            return earlier;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            log($"farm: {request.Job.KernelFileName}: earlier builds not looked up: {error.Message}");
            return null;
        }
    }

    /// <summary>Writes back the earlier build's generated files and unchanged objects; null when nothing could be.</summary>
    public static SnapshotRestore? Restore(BuildRequest request, EarlierBuild earlier, Action<string> log)
    {
        try
        {
            var stopwatch = Stopwatch.StartNew();
            var restore = request.Snapshots!.Restore(earlier.Snapshot, Roots(request), request.BuildDirectory);
            var changed = restore.Changed.Count == 0 ? string.Empty
                : $"; make builds {restore.Changed.Count} whose inputs changed ({Some(restore.Changed)}; changed: {Some(restore.ChangedInputs)})";
            log($"farm: {request.Job.KernelFileName}: restored {restore.Restored} of {restore.Total} objects, {restore.Generated.Restored} of {restore.Generated.Total} generated files and {restore.Libraries} linked libraries from an earlier build in {stopwatch.Elapsed.TotalMilliseconds:0} ms{changed}");
            return restore;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            log($"farm: {request.Job.KernelFileName}: objects of an earlier build not restored: {error.Message}");
            return null;
        }
    }

    private static string Some(IReadOnlyList<string> items) => string.Join(", ", items.Take(5)) + (items.Count > 5 ? $" and {items.Count - 5} more" : string.Empty);

    /// <summary>
    /// After a successful build: its objects recorded for the next build of this target (what a restore wrote and make
    /// left as it was, without reading it again). Returns whether a snapshot was recorded.
    /// </summary>
    public static async Task<bool> CaptureAsync(BuildRequest request, string? key, string config, SnapshotRestore? restore, Action<string> log, CancellationToken cancellationToken)
    {
        if (request.Snapshots is not { } snapshots || key is null || !File.Exists(config))
        {
            return false;
        }

        try
        {
            var stopwatch = Stopwatch.StartNew();
            var text = await File.ReadAllTextAsync(config, cancellationToken).ConfigureAwait(false);
            var count = snapshots.Capture(key, Roots(request), request.BuildDirectory, text, request.Sources.Core.Directory, restore);
            if (count > 0)
            {
                log($"farm: {request.Job.KernelFileName}: recorded {count} objects for the next build of this target in {stopwatch.Elapsed.TotalMilliseconds:0} ms");
            }

            return count > 0;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            log($"farm: {request.Job.KernelFileName}: objects not recorded for the next build: {error.Message}");
            return false;
        }
    }

    /// <summary>
    /// A git checkout's description lines by its tree id: a tree id names the content (a checkout under
    /// <c>trees/&lt;tree id&gt;</c> is never modified once it exists), so a worker describes each tree once. A local
    /// directory has no tree id and is described again every build (its files may have changed).
    /// </summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<(string Tree, string Directory, string Name), string> DescribedTrees = new();

    private static Func<string, string?> Remembered(BuildRequest request)
    {
        var roots = Roots(request);
        var components = new[] { request.Sources.Core, request.Sources.Application }.Concat(request.Sources.Libraries)
            .Where(c => c.Tree is { Length: > 0 })
            .Select(c => (Component: c, Path: Path.TrimEndingDirectorySeparator(Path.GetFullPath(c.Directory))))
            .ToList();
        return root =>
        {
            if (components.FirstOrDefault(c => c.Path == root) is not { Component: { } component })
            {
                return null;
            }

            var name = roots.All.First(r => r.Path == root).Name;
            return DescribedTrees.GetOrAdd((component.Tree!, root, name), key => BuildSnapshotKey.DescribeTree(key.Directory, key.Name, request.BuildDirectory));
        };
    }

    /// <summary>The build's roots by the names farm-cc's prefix map gives them (see <see cref="UnikraftMakeBuilder.CachePrefixMap"/>).</summary>
    public static BuildRoots Roots(BuildRequest request)
    {
        var roots = new List<(string, string)>
        {
            (request.BuildDirectory, "/farm/build"),
            (request.Sources.Core.Directory, "/farm/unikraft"),
            (request.Sources.Application.Directory, "/farm/app"),
        };
        roots.AddRange(request.Sources.Libraries.Select(l => (l.Directory, "/farm/lib/" + l.Name.Replace("libraries.", string.Empty, StringComparison.Ordinal))));
        return new BuildRoots(roots);
    }

    /// <summary>
    /// The key: the target, its defconfig, the compiler, and what kconfig's outputs and programs are made from besides
    /// the description: the core's version as make computes it (<c>UK_FULLVERSION</c>: it is in config.h and every
    /// compile's flags), the host's architecture, and the host programs that build kconfig.
    /// </summary>
    private static string Key(BuildRequest request, string defconfig, string coreVersion, string description) =>
        BuildSnapshotKey.Compute(
            $"{request.Kraftfile.Name}/{request.Job.KernelFileName}",
            defconfig,
            $"{request.Toolchain.CrossCompile} {BuildSnapshotKey.CompilerIdentity(request.Toolchain.CompilerPath)}",
            [
                "version " + coreVersion,
                "host " + System.Runtime.InteropServices.RuntimeInformation.OSArchitecture,
                .. HostTools.Select(tool => $"{tool} {(Farm.Core.Processes.ExecutableLocator.Find(tool) is { } path ? BuildSnapshotKey.CompilerIdentity(path) : "absent")}"),
            ],
            description);
}

/// <summary>An earlier build of the target found by its key.</summary>
internal sealed record EarlierBuild(string Key, BuildSnapshot Snapshot);
