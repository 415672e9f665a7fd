using System.Security.Cryptography;
using System.Text;
using Farm.Cache.Store;
using Farm.Core.IO;

namespace Farm.Worker.Caching.Snapshots;

/// <summary>
/// Snapshots of finished builds in the object cache's local tier, by <see cref="BuildSnapshotKey"/>, in the cache's
/// scopes: an untrusted build reads its own snapshots and then the shared ones, and writes only its own. The objects
/// are stored by content and checked against their digest when restored. Everything read from a build directory was
/// written by the sandboxed build, so it is taken only as regular files, under a size cap, and its dependency files'
/// paths only under the build's roots or <c>/usr</c>.
/// </summary>
internal sealed class BuildSnapshots(ICacheTier tier, CacheScope scope, bool readOnly = false)
{
    private const long MaxObjectBytes = 256L << 20;
    private const long MaxDependencyFileBytes = 4L << 20;

    public BuildSnapshot? Find(string key)
    {
        foreach (var readScope in scope.ReadScopes)
        {
            if (tier.GetAction(readScope, key) is { } bytes && BuildSnapshot.TryParse(bytes) is { Objects.Count: > 0 } snapshot)
            {
                return snapshot;
            }
        }

        return null;
    }

    /// <summary>Records the objects of a successful build; returns how many (none for a read-only cache).</summary>
    public int Capture(string key, BuildRoots roots, string buildDirectory, string config)
    {
        if (readOnly)
        {
            return 0;
        }

        var build = Path.TrimEndingDirectorySeparator(Path.GetFullPath(buildDirectory));
        var inputs = new List<SnapshotInput>();
        var inputIndex = new Dictionary<string, int>(StringComparer.Ordinal);
        var digests = new FileDigests();
        var objects = new List<SnapshotObject>();
        foreach (var objectFile in Directory.EnumerateFiles(build, "*.o", BuildRoots.Walk).Order(StringComparer.Ordinal))
        {
            var dependencyFile = Path.ChangeExtension(objectFile, ".d");
            if (!IsRegular(objectFile, MaxObjectBytes) || !IsRegular(dependencyFile, MaxDependencyFileBytes)
                || DependencyFileInputs.Parse(File.ReadAllText(dependencyFile)) is not { } listed)
            {
                continue;
            }

            var indexes = new List<int>();
            foreach (var input in listed)
            {
                // A path with . or .. segments could leave its root ("/usr/../etc/shadow"): such an object is not kept.
                var named = Path.GetFullPath(input) != input ? null : roots.Name(input) ?? (input.StartsWith("/usr/", StringComparison.Ordinal) ? input : null);
                if (named is null || digests.Of(input) is not { } sha)
                {
                    indexes = null;
                    break;
                }

                if (!inputIndex.TryGetValue(named, out var index))
                {
                    index = inputs.Count;
                    inputIndex[named] = index;
                    inputs.Add(new SnapshotInput(named, sha) { Made = input.StartsWith(build + "/", StringComparison.Ordinal) && IsRegular(input + ".cmd", MaxDependencyFileBytes) });
                }

                indexes.Add(index);
            }

            if (indexes is null)
            {
                continue;
            }

            var bytes = File.ReadAllBytes(objectFile);
            var digest = Convert.ToHexStringLower(SHA256.HashData(bytes));
            tier.PutObject(digest, bytes);
            objects.Add(new SnapshotObject(objectFile[(build.Length + 1)..], digest, roots.NameAll(File.ReadAllText(dependencyFile)), indexes));
        }

        // A core whose dependency files are not Kbuild's (the fixture core) has nothing to restore: no snapshot.
        if (objects.Count > 0)
        {
            tier.PutAction(scope.WriteScope, key, new BuildSnapshot(roots.NameAll(config), inputs, objects, CaptureLibraries(build, objects)).ToBytes());
        }

        return objects.Count;
    }

    /// <summary>Each library directory's linked files (<c>NAME.ld.o</c>, <c>NAME.o</c> beside <c>NAME/</c>), stored by content.</summary>
    private List<SnapshotLibrary> CaptureLibraries(string build, IReadOnlyList<SnapshotObject> objects)
    {
        var libraries = new List<SnapshotLibrary>();
        foreach (var name in objects.Select(o => LibraryOf(o.Path)).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var outputs = new List<SnapshotOutput>();
            foreach (var file in new[] { name + ".ld.o", name + ".o" })
            {
                var path = Path.Combine(build, file);
                if (IsRegular(path, MaxObjectBytes))
                {
                    var bytes = File.ReadAllBytes(path);
                    var digest = Convert.ToHexStringLower(SHA256.HashData(bytes));
                    tier.PutObject(digest, bytes);
                    outputs.Add(new SnapshotOutput(file, digest));
                }
            }

            if (outputs.Count > 0)
            {
                libraries.Add(new SnapshotLibrary(name, outputs));
            }
        }

        return libraries;
    }

    /// <summary>The library directory an object is in (<c>libukdebug</c> for <c>libukdebug/print.o</c>); null for a top-level file.</summary>
    private static string? LibraryOf(string objectPath) => objectPath.IndexOf('/', StringComparison.Ordinal) is > 0 and var slash ? objectPath[..slash] : null;

    /// <summary>
    /// The files make generated in the build directory that earlier objects were compiled from, for this build
    /// (libuklibid's <c>libid.h</c> is made during the build, not by <c>make prepare</c>): they are made before
    /// <see cref="Restore"/>, or every object that includes them would count as changed.
    /// </summary>
    public static IReadOnlyList<string> MadeInputs(BuildSnapshot snapshot, BuildRoots roots, string buildDirectory)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var build = Path.TrimEndingDirectorySeparator(Path.GetFullPath(buildDirectory));
        return [.. snapshot.Inputs
            .Where(input => input.Made)
            .Select(input => roots.Path(input.Path))
            .OfType<string>()
            .Where(path => path.StartsWith(build + "/", StringComparison.Ordinal) && Path.GetFullPath(path) == path)];
    }

    /// <summary>
    /// Writes back every object whose inputs are unchanged in this build, with its dependency file for this build's
    /// roots and a time after everything make has generated so far, so that make takes it as up to date.
    /// </summary>
    public SnapshotRestore Restore(BuildSnapshot snapshot, BuildRoots roots, string buildDirectory)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var build = Path.TrimEndingDirectorySeparator(Path.GetFullPath(buildDirectory));
        var digests = new FileDigests();
        var unchanged = snapshot.Inputs.Select(input =>
            (input.Path.StartsWith("/usr/", StringComparison.Ordinal) ? input.Path : roots.Path(input.Path)) is { } path && digests.Of(path) == input.Sha256).ToArray();
        var written = new List<string>();
        var changed = new List<string>();
        var restored = new HashSet<string>(StringComparer.Ordinal);
        foreach (var entry in snapshot.Objects)
        {
            var target = Path.GetFullPath(Path.Combine(build, entry.Path));
            if (Path.IsPathRooted(entry.Path) || !target.StartsWith(build + "/", StringComparison.Ordinal) || !target.EndsWith(".o", StringComparison.Ordinal)
                || !DirectoriesWithoutLinks(build, Path.GetDirectoryName(target)!))
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

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            InPlaceWrite.WriteAllBytes(target, bytes);
            InPlaceWrite.WriteAllBytes(Path.ChangeExtension(target, ".d"), Encoding.UTF8.GetBytes(roots.PathAll(entry.DependencyFile)));
            written.Add(target);
            written.Add(Path.ChangeExtension(target, ".d"));
            restored.Add(target);
        }

        // A library whose every object came back gets its linked files back too (and is not linked again).
        var incomplete = snapshot.Objects.Where(o => !restored.Contains(Path.GetFullPath(Path.Combine(build, o.Path)))).Select(o => LibraryOf(o.Path)).ToHashSet(StringComparer.Ordinal);
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

        // One time for all, taken after the last write: later than every file make generated before the restore, and
        // the same for an object and what was linked from it (make rebuilds only what is older than a prerequisite).
        var now = DateTime.UtcNow;
        foreach (var file in written)
        {
            File.SetLastWriteTimeUtc(file, now);
        }

        var changedInputs = snapshot.Inputs.Where((_, i) => !unchanged[i]).Select(i => i.Path).ToList();
        return new SnapshotRestore(restored.Count, snapshot.Objects.Count, changed, changedInputs) { Libraries = libraries };
    }

    /// <summary>The stored content of <paramref name="digest"/>, checked; null when absent or not what it claims.</summary>
    private byte[]? Stored(string digest) =>
        tier.GetObject(digest) is { } bytes && Convert.ToHexStringLower(SHA256.HashData(bytes)) == digest ? bytes : null;

    /// <summary>
    /// Whether every directory from the build directory down to <paramref name="directory"/> is a real directory or
    /// absent: make ran before the restore, and a link it left (<c>libfoo -&gt; ~/.cache</c>) must not carry the write
    /// outside the build directory.
    /// </summary>
    private static bool DirectoriesWithoutLinks(string build, string directory)
    {
        for (var current = directory; current.Length > build.Length; current = Path.GetDirectoryName(current)!)
        {
            if (FileKinds.Of(current) is not (FileKind.Directory or FileKind.Absent))
            {
                return false;
            }
        }

        return true;
    }

    private static bool IsRegular(string path, long maxBytes) => FileKinds.Of(path) == FileKind.Regular && new FileInfo(path).Length <= maxBytes;

    /// <summary>
    /// Each file's SHA-256 once per capture or restore (headers are listed by hundreds of objects). Contents as they
    /// are: a generated <c>config.h</c> that names another app directory (<c>CONFIG_UK_APP</c>) is another input, as
    /// it is for farm-cc, because <c>-g3</c> puts its macros into the object.
    /// </summary>
    private sealed class FileDigests
    {
        private readonly Dictionary<string, string?> _known = new(StringComparer.Ordinal);

        public string? Of(string path)
        {
            if (!_known.TryGetValue(path, out var digest))
            {
                digest = IsRegular(path, MaxObjectBytes) ? Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(path))) : null;
                _known[path] = digest;
            }

            return digest;
        }
    }
}

/// <summary>What a restore did: objects written back, objects in the snapshot, those left for make because an input changed, and those inputs (named).</summary>
internal sealed record SnapshotRestore(int Restored, int Total, IReadOnlyList<string> Changed, IReadOnlyList<string> ChangedInputs)
{
    /// <summary>Libraries whose linked files came back too, so make does not link them again.</summary>
    public int Libraries { get; init; }
}
