using Farm.Core.IO;

namespace Farm.Worker.Targets;

/// <summary>
/// Removes what a worker keeps between builds once nothing has used it for a while (<c>Farm__Worker__WorkspaceDays</c>):
/// the stable copies of apps (<c>apps/&lt;app&gt;/&lt;slot&gt;</c>), the kept build directories
/// (<c>o/&lt;scope&gt;/&lt;app&gt;/&lt;kernel&gt;</c>: a real Unikraft one is hundreds of MB, and every pull request has
/// its own scope) and the target output directories a killed worker left (<c>builds/</c>). A copy or build directory
/// is used under its lock file, whose time says when it was last taken (<see cref="TakeAsync"/>); the sweep takes the same
/// lock without waiting, so what a build holds is never touched. Lock files stay: unlinking one that another process
/// has opened would let two hold it. Deletion unlinks links, never follows them (a build directory is the sandbox's).
/// </summary>
internal static class WorkspaceJanitor
{
    /// <summary>Takes the lock of a workspace (waiting for a concurrent holder) and marks it used now.</summary>
    public static async Task<FileLock> TakeAsync(string directory, CancellationToken cancellationToken)
    {
        var path = LockOf(directory);
        var held = await FileLock.AcquireAsync(path, cancellationToken).ConfigureAwait(false);
        MarkUsed(path);
        return held;
    }

    /// <summary>Marks a held lock file used now.</summary>
    public static void MarkUsed(string lockPath) => File.SetLastWriteTimeUtc(lockPath, DateTime.UtcNow);

    public static string LockOf(string directory) => Path.TrimEndingDirectorySeparator(directory) + ".lock";

    /// <summary>Removes every workspace unused since <paramref name="now"/> − <paramref name="unusedFor"/> that no one holds.</summary>
    public static SweepCounts Sweep(string workDirectory, TimeSpan unusedFor, DateTime now)
    {
        var before = now - unusedFor;
        var counts = new SweepCounts();
        // apps/<app>/<slot>.lock and o/<scope>/<app>/<kernel>.lock, each beside its directory.
        foreach (var (root, depth) in new[] { (Path.Combine(workDirectory, "apps"), 2), (Path.Combine(workDirectory, "o"), 3) })
        {
            foreach (var lockPath in LockFiles(root, depth))
            {
                var directory = lockPath[..^".lock".Length];
                if (!Directory.Exists(directory) || File.GetLastWriteTimeUtc(lockPath) >= before)
                {
                    continue;
                }

                using var held = FileLock.TryAcquire(lockPath);
                if (held is not null && File.GetLastWriteTimeUtc(lockPath) < before)
                {
                    counts.Count(Remove(directory));
                }
            }
        }

        var builds = Path.Combine(workDirectory, "builds");
        foreach (var build in Directory.Exists(builds) ? Directory.EnumerateDirectories(builds) : [])
        {
            if (Directory.GetLastWriteTimeUtc(build) < before)
            {
                counts.Count(Remove(build));
            }
        }

        return counts;
    }

    private static IEnumerable<string> LockFiles(string root, int depth)
    {
        IEnumerable<string> level = Directory.Exists(root) ? [root] : [];
        for (var i = 1; i < depth; i++)
        {
            level = level.SelectMany(d => Directory.EnumerateDirectories(d).Where(sub => FileKinds.Of(sub) == FileKind.Directory)).ToList();
        }

        return level.SelectMany(d => Directory.EnumerateFiles(d, "*.lock")).ToList();
    }

    private static bool Remove(string directory)
    {
        try
        {
            Directory.Delete(directory, recursive: true);
            return true;
        }
        catch (Exception error) when (error is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }
}
