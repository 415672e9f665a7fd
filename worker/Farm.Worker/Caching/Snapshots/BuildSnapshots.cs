using System.Security.Cryptography;
using Farm.Cache.Store;

namespace Farm.Worker.Caching.Snapshots;

/// <summary>
/// Snapshots of finished builds in the object cache's local tier, by <see cref="BuildSnapshotKey"/>, in the cache's
/// scopes: an untrusted build reads its own snapshots and then the shared ones, and writes only its own. The objects
/// are stored by content and checked against their digest when restored. Everything read from a build directory was
/// written by the sandboxed build, so it is taken only as regular files, under a size cap, and its dependency files'
/// paths only under the build's roots or <c>/usr</c>.
/// </summary>
internal sealed partial class BuildSnapshots(ICacheTier tier, CacheScope scope, bool readOnly = false)
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

    /// <summary>
    /// Records the objects, generated files and linked libraries of a successful build; returns how many objects (none
    /// for a read-only cache). After a restore (<paramref name="previous"/>), a file still bearing the restore's time is
    /// the one restored, recorded as it was without being read again; whatever make wrote since is hashed.
    /// </summary>
    public int Capture(string key, BuildRoots roots, string buildDirectory, string config, string coreDirectory, SnapshotRestore? previous = null)
    {
        if (readOnly)
        {
            return 0;
        }

        var build = Path.TrimEndingDirectorySeparator(Path.GetFullPath(buildDirectory));
        var files = Directory.EnumerateFiles(build, "*", BuildRoots.Walk).Select(f => f[(build.Length + 1)..]).ToHashSet(StringComparer.Ordinal);
        var digests = new FileDigests();
        var inputs = new SnapshotInputs(roots, digests);
        var kept = new KeptFromRestore(previous, build);

        var dependencyFiles = new List<(string Target, string DependencyFile, string Text, IReadOnlyList<string> Listed)>();
        var objects = new List<SnapshotObject>();
        foreach (var target in files.Where(IsObjectLike).Order(StringComparer.Ordinal))
        {
            var objectFile = Path.Combine(build, target);
            var dependencyFile = DependencyFileOf(objectFile);
            if (kept.Object(target) is { } same)
            {
                objects.Add(same with { Inputs = [.. same.Inputs.Select(i => inputs.Reuse(kept.Input(i)))] });
            }
            else if (FileDigests.IsRegular(objectFile, MaxObjectBytes) && FileDigests.IsRegular(dependencyFile, MaxDependencyFileBytes)
                && File.ReadAllText(dependencyFile) is var text && DependencyFileInputs.Parse(text) is { } listed)
            {
                dependencyFiles.Add((objectFile, dependencyFile, text, listed));
            }
        }

        // Headers are listed by many objects: each hashed once, on both cores.
        digests.Prefetch(dependencyFiles.SelectMany(d => d.Listed));
        foreach (var (objectFile, _, text, listed) in dependencyFiles)
        {
            if (inputs.IndexesOf(listed) is { } indexes)
            {
                objects.Add(new SnapshotObject(objectFile[(build.Length + 1)..], Put(File.ReadAllBytes(objectFile)), roots.NameAll(text), indexes));
            }
        }

        // A core whose dependency files are not Kbuild's (the fixture core) has nothing to restore: no snapshot.
        if (objects.Count > 0)
        {
            objects.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
            var generated = CaptureGenerated(build, coreDirectory, files, roots, inputs, kept);
            var snapshot = new BuildSnapshot(roots.NameAll(config), inputs.All, objects, CaptureLibraries(build, objects, kept)) { Generated = generated };
            tier.PutAction(scope.WriteScope, key, snapshot.ToBytes());
        }

        return objects.Count;
    }

    private List<SnapshotGenerated> CaptureGenerated(string build, string coreDirectory, IReadOnlySet<string> files, BuildRoots roots, SnapshotInputs inputs, KeptFromRestore kept)
    {
        // What the restore wrote and make left is kept as recorded (its command file was not restored: make did not run it).
        var generated = kept.AllGenerated().Select(same => same with { Inputs = [.. same.Inputs.Select(i => inputs.Reuse(kept.Input(i)))] }).ToList();
        var taken = generated.Select(g => g.Path).ToHashSet(StringComparer.Ordinal);
        foreach (var (relative, listed) in GeneratedFiles.Find(build, coreDirectory, files).Where(g => !taken.Contains(g.Path)))
        {
            var path = Path.Combine(build, relative);
            if (listed is not null && FileDigests.IsRegular(path, MaxObjectBytes) && inputs.IndexesOf(listed) is { } indexes)
            {
                var (bytes, named) = GeneratedFiles.Stored(File.ReadAllBytes(path), roots);
                var executable = (File.GetUnixFileMode(path) & UnixFileMode.UserExecute) != 0;
                generated.Add(new SnapshotGenerated(relative, Put(bytes), indexes) { Named = named, Executable = executable });
            }
        }

        generated.Sort((a, b) => string.CompareOrdinal(a.Path, b.Path));
        return generated;
    }

    /// <summary>Each library directory's linked files (<c>NAME.ld.o</c>, <c>NAME.o</c> beside <c>NAME/</c>), stored by content.</summary>
    private List<SnapshotLibrary> CaptureLibraries(string build, IReadOnlyList<SnapshotObject> objects, KeptFromRestore kept)
    {
        var libraries = new List<SnapshotLibrary>();
        foreach (var name in objects.Select(o => LibraryOf(o.Path)).OfType<string>().Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            var outputs = new List<SnapshotOutput>();
            foreach (var file in new[] { name + ".ld.o", name + ".o" })
            {
                var path = Path.Combine(build, file);
                if (kept.Output(file) is { } same)
                {
                    outputs.Add(same);
                }
                else if (FileDigests.IsRegular(path, MaxObjectBytes))
                {
                    outputs.Add(new SnapshotOutput(file, Put(File.ReadAllBytes(path))));
                }
            }

            if (outputs.Count > 0)
            {
                libraries.Add(new SnapshotLibrary(name, outputs));
            }
        }

        return libraries;
    }

    private string Put(byte[] bytes)
    {
        var digest = Convert.ToHexStringLower(SHA256.HashData(bytes));
        tier.PutObject(digest, bytes);
        return digest;
    }

    /// <summary>An object, or a file preprocessed with a fixdep dependency file beside it (<c>link64.lds</c> and <c>link64.lds.d</c>).</summary>
    private static bool IsObjectLike(string relative) => relative.EndsWith(".o", StringComparison.Ordinal) || relative.EndsWith(".lds", StringComparison.Ordinal);

    /// <summary>Kbuild's dependency file of a target: <c>main.d</c> for <c>main.o</c>, <c>link64.lds.d</c> for <c>link64.lds</c>.</summary>
    private static string DependencyFileOf(string target) =>
        target.EndsWith(".o", StringComparison.Ordinal) ? Path.ChangeExtension(target, ".d") : target + ".d";

    /// <summary>The library directory an object is in (<c>libukdebug</c> for <c>libukdebug/print.o</c>); null for a top-level file.</summary>
    private static string? LibraryOf(string objectPath) => objectPath.IndexOf('/', StringComparison.Ordinal) is > 0 and var slash ? objectPath[..slash] : null;
}
