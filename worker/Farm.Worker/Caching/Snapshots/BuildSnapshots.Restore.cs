using System.Security.Cryptography;
using System.Text;
using Farm.Core.IO;

namespace Farm.Worker.Caching.Snapshots;

internal sealed partial class BuildSnapshots
{
    /// <summary>
    /// Writes back, into a build directory make has not run in yet (the <c>.config</c> written): first the generated
    /// files whose inputs are unchanged, then every object whose inputs are unchanged (with its dependency file for
    /// this build's roots), then the linked files of the libraries whose every object came back. Everything gets one
    /// time, taken after the last write, so that make takes it as up to date and makes only what changed.
    /// </summary>
    public SnapshotRestore Restore(BuildSnapshot snapshot, BuildRoots roots, string buildDirectory)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var build = Path.TrimEndingDirectorySeparator(Path.GetFullPath(buildDirectory));
        var digests = new FileDigests();
        var written = new List<string>();
        var generated = RestoreGenerated(snapshot, roots, build, digests, written);

        // The objects' inputs as this build has them, generated ones included.
        var paths = snapshot.Inputs.Select(input => input.Path.StartsWith("/usr/", StringComparison.Ordinal) ? input.Path : roots.Path(input.Path)).ToArray();
        digests.Prefetch(paths.OfType<string>());
        var unchanged = snapshot.Inputs.Select((input, i) => paths[i] is { } path && digests.Of(path) == input.Sha256).ToArray();
        var changed = new List<string>();
        var restored = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in snapshot.Objects)
        {
            if (Confined(build, entry.Path) is not { } target || !(target.EndsWith(".o", StringComparison.Ordinal) || target.EndsWith(".lds", StringComparison.Ordinal)))
            {
                continue;
            }

            if (entry.Inputs.Any(i => i < 0 || i >= unchanged.Length || !unchanged[i]))
            {
                changed.Add(entry.Path);
                continue;
            }

            if (Stored(entry.Digest) is not { } bytes)
            {
                continue;
            }

            var dependencyFile = DependencyFileOf(target);
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            InPlaceWrite.WriteAllBytes(target, bytes);
            InPlaceWrite.WriteAllBytes(dependencyFile, Encoding.UTF8.GetBytes(roots.PathAll(entry.DependencyFile)));
            written.Add(target);
            written.Add(dependencyFile);
            restored.Add(entry.Path);
        }

        // A library whose every object came back gets its linked files back too (and is not linked again).
        var incomplete = snapshot.Objects.Where(o => !restored.Contains(o.Path)).Select(o => LibraryOf(o.Path)).ToHashSet(StringComparer.Ordinal);
        var libraries = 0;
        foreach (var library in snapshot.Libraries.Where(l => !incomplete.Contains(l.Name)))
        {
            var files = library.Outputs.Select(o => (o.Digest, Target: Path.GetFullPath(Path.Combine(build, o.Path)))).ToList();
            if (files.Any(f => Path.GetDirectoryName(f.Target) != build || !f.Target.EndsWith(".o", StringComparison.Ordinal)
                || FileKinds.Of(f.Target) is not (FileKind.Absent or FileKind.Regular)))
            {
                continue;
            }

            var contents = files.Select(f => Stored(f.Digest)).ToList();
            if (contents.Any(c => c is null))
            {
                continue;
            }

            for (var i = 0; i < files.Count; i++)
            {
                InPlaceWrite.WriteAllBytes(files[i].Target, contents[i]!);
                written.Add(files[i].Target);
            }

            libraries++;
        }

        // One time for all, taken after the last write: later than every file written before the restore (the
        // .config), and the same for a generated header, the objects compiled from it and what was linked from them
        // (make remakes only what is older than a prerequisite).
        var now = DateTime.UtcNow;
        foreach (var file in written)
        {
            File.SetLastWriteTimeUtc(file, now);
        }

        var changedInputs = snapshot.Inputs.Where((_, i) => !unchanged[i]).Select(i => i.Path).ToList();
        return new SnapshotRestore(restored.Count, snapshot.Objects.Count, changed, changedInputs)
        {
            Libraries = libraries,
            Generated = (generated, snapshot.Generated.Count),
            Snapshot = snapshot,
            At = now,
            Written = written.Select(f => f[(build.Length + 1)..]).ToHashSet(StringComparer.Ordinal),
        };
    }

    /// <summary>
    /// The generated files whose inputs are this build's too, in as many rounds as they depend on each other (libid.h
    /// is made from libraries.in, itself generated): a file made from another generated file comes back only when that
    /// one did, with the content recorded.
    /// </summary>
    private int RestoreGenerated(BuildSnapshot snapshot, BuildRoots roots, string build, FileDigests digests, List<string> written)
    {
        var pending = snapshot.Generated.Where(g => Confined(build, g.Path) is not null).ToList();
        var restored = 0;
        for (var progress = true; progress && pending.Count > 0;)
        {
            progress = false;
            foreach (var entry in pending.ToList())
            {
                var ready = entry.Inputs.All(i => i >= 0 && i < snapshot.Inputs.Count && InputPath(snapshot.Inputs[i], roots) is { } path
                    && (!path.StartsWith(build + "/", StringComparison.Ordinal) || written.Contains(path))
                    && digests.Of(path) == snapshot.Inputs[i].Sha256);
                if (!ready)
                {
                    continue;
                }

                pending.Remove(entry);
                progress = true;
                if (Stored(entry.Digest) is not { } stored)
                {
                    continue;
                }

                var target = Confined(build, entry.Path)!;
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                InPlaceWrite.WriteAllBytes(target, GeneratedFiles.Written(stored, entry.Named, roots));
                File.SetUnixFileMode(target, entry.Executable ? (UnixFileMode)0b111_101_101 : (UnixFileMode)0b110_100_100);
                digests.Forget(target);
                written.Add(target);
                restored++;
            }
        }

        return restored;
    }

    private static string? InputPath(SnapshotInput input, BuildRoots roots) =>
        input.Path.StartsWith("/usr/", StringComparison.Ordinal) ? input.Path : roots.Path(input.Path);

    /// <summary>
    /// Where a recorded path goes in this build directory, or null when it would leave it, or a link make or an
    /// earlier step left stands on the way or in its place (<c>libfoo -&gt; ~/.cache</c>): a write must not follow it.
    /// </summary>
    private static string? Confined(string build, string relative)
    {
        var target = Path.GetFullPath(Path.Combine(build, relative));
        if (Path.IsPathRooted(relative) || !target.StartsWith(build + "/", StringComparison.Ordinal) || FileKinds.Of(target) is not (FileKind.Absent or FileKind.Regular))
        {
            return null;
        }

        for (var current = Path.GetDirectoryName(target)!; current.Length > build.Length; current = Path.GetDirectoryName(current)!)
        {
            if (FileKinds.Of(current) is not (FileKind.Directory or FileKind.Absent))
            {
                return null;
            }
        }

        return target;
    }

    /// <summary>The stored content of <paramref name="digest"/>, checked; null when absent or not what it claims.</summary>
    private byte[]? Stored(string digest) =>
        tier.GetObject(digest) is { } bytes && Convert.ToHexStringLower(SHA256.HashData(bytes)) == digest ? bytes : null;
}
