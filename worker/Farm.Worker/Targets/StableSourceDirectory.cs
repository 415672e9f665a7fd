using System.Security.Cryptography;
using System.Text;
using Farm.Core.IO;

namespace Farm.Worker.Targets;

/// <summary>
/// Where a git or uploaded source is built from: one directory per app, kernel and trust scope that stays the same
/// from one commit to the next. Checkouts live at <c>trees/&lt;tree id&gt;</c>, a new path for every commit, and Unikraft puts
/// the app's real path into every object it compiles with <c>-g3</c> (<c>CONFIG_UK_APP</c> in <c>config.h</c>; its
/// <c>realpath</c> defeats a link): built from there, each new commit missed nearly all of the object cache and
/// started a new build directory. Built from here, only what changed differs, and make rebuilds in place.
/// A slot is held (a file lock) for the whole target; a second concurrent build of the same app takes the next slot.
/// Scopes never share a directory, so an untrusted build's copy is never what a trusted build reads.
/// </summary>
internal sealed class StableSourceDirectory : IDisposable
{
    private const int MaximumSlots = 64;
    private readonly FileLock _slot;

    private StableSourceDirectory(string root, FileLock slot, MirrorCounts counts)
    {
        Root = root;
        _slot = slot;
        Counts = counts;
    }

    /// <summary>The copy of the tree: equal to it, file for file.</summary>
    public string Root { get; }

    /// <summary>What bringing the copy up to date took.</summary>
    public MirrorCounts Counts { get; }

    /// <param name="workDirectory">The worker's work directory (copies go to <c>apps/</c> in it).</param>
    /// <param name="scope">The build's cache scope name: trusted builds share one, each untrusted source has its own.</param>
    /// <param name="identity">What stays the same across commits: the git URL (or the app's name for uploads) and the kernel.</param>
    /// <param name="tree">The checked tree to build (a checkout or an unpacked upload).</param>
    public static StableSourceDirectory Take(string workDirectory, string scope, string identity, string tree)
    {
        var name = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes($"{scope}\n{identity}")))[..16];
        var apps = Path.Combine(Path.GetFullPath(workDirectory), "apps", name);
        for (var slot = 0; slot < MaximumSlots; slot++)
        {
            var lockPath = Path.Combine(apps, $"{slot}.lock");
            if (FileLock.TryAcquire(lockPath) is not { } held)
            {
                continue;
            }

            try
            {
                WorkspaceJanitor.MarkUsed(lockPath);
                var root = Path.Combine(apps, slot.ToString(System.Globalization.CultureInfo.InvariantCulture));
                return new StableSourceDirectory(root, held, TreeMirror.Sync(tree, root));
            }
            catch
            {
                held.Dispose();
                throw;
            }
        }

        throw new IOException($"{MaximumSlots} builds of {identity} already run on this worker");
    }

    public void Dispose() => _slot.Dispose();
}
