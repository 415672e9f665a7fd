using Farm.Worker.Caching.Snapshots;

namespace Farm.Worker.Builders;

/// <summary>
/// The make builder's use of <see cref="BuildSnapshots"/>: a target whose earlier build (any build directory) had the
/// same defconfig and build description skips <c>make defconfig</c> and gets back every object whose inputs are
/// unchanged, so make compiles only what changed, as an incremental make in place would. A snapshot problem is
/// logged and the build goes on from nothing: a cache is never the reason a build fails.
/// </summary>
internal static class EarlierBuilds
{
    public static EarlierBuild? Find(BuildRequest request, string defconfig, Action<string> log)
    {
        if (request.Snapshots is not { } snapshots)
        {
            return null;
        }

        try
        {
            var key = Key(request, defconfig);
            return snapshots.Find(key) is { } snapshot ? new EarlierBuild(key, snapshot) : null;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            log($"farm: {request.Job.KernelFileName}: earlier builds not looked up: {error.Message}");
            return null;
        }
    }

    /// <summary>Files make generated that the earlier build's objects were compiled from: made with <c>make prepare</c>.</summary>
    public static IReadOnlyList<string> MadeInputs(BuildRequest request, EarlierBuild earlier) =>
        BuildSnapshots.MadeInputs(earlier.Snapshot, Roots(request), request.BuildDirectory);

    public static void Restore(BuildRequest request, EarlierBuild earlier, Action<string> log)
    {
        try
        {
            var restore = request.Snapshots!.Restore(earlier.Snapshot, Roots(request), request.BuildDirectory);
            var changed = restore.Changed.Count == 0 ? string.Empty
                : $"; make builds {restore.Changed.Count} whose inputs changed ({Some(restore.Changed)}; changed: {Some(restore.ChangedInputs)})";
            log($"farm: {request.Job.KernelFileName}: restored {restore.Restored} of {restore.Total} objects and {restore.Libraries} linked libraries from an earlier build{changed}");
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            log($"farm: {request.Job.KernelFileName}: objects of an earlier build not restored: {error.Message}");
        }
    }

    private static string Some(IReadOnlyList<string> items) => string.Join(", ", items.Take(5)) + (items.Count > 5 ? $" and {items.Count - 5} more" : string.Empty);

    /// <summary>After a successful build: its objects recorded for the next build of this target.</summary>
    public static async Task CaptureAsync(BuildRequest request, string? key, string defconfig, string config, Action<string> log, CancellationToken cancellationToken)
    {
        if (request.Snapshots is not { } snapshots || !File.Exists(config))
        {
            return;
        }

        try
        {
            var text = await File.ReadAllTextAsync(config, cancellationToken).ConfigureAwait(false);
            var count = snapshots.Capture(key ?? Key(request, defconfig), Roots(request), request.BuildDirectory, text);
            if (count > 0)
            {
                log($"farm: {request.Job.KernelFileName}: recorded {count} objects for the next build of this target");
            }
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            log($"farm: {request.Job.KernelFileName}: objects not recorded for the next build: {error.Message}");
        }
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

    internal static string Key(BuildRequest request, string defconfig) =>
        BuildSnapshotKey.Compute(
            $"{request.Kraftfile.Name}/{request.Job.KernelFileName}",
            defconfig,
            $"{request.Toolchain.CrossCompile} {BuildSnapshotKey.CompilerIdentity(request.Toolchain.CompilerPath)}",
            Roots(request),
            request.BuildDirectory);
}

/// <summary>An earlier build of the target found by its key.</summary>
internal sealed record EarlierBuild(string Key, BuildSnapshot Snapshot);
