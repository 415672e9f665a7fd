namespace Farm.Worker.Caching.Snapshots;

/// <summary>
/// What a restore did: objects written back, objects in the snapshot, those left for make because an input changed,
/// and those inputs (named). <see cref="Snapshot"/> and <see cref="At"/> (the one time every restored file was given)
/// let the capture after the build take what is still as restored without reading it again.
/// </summary>
internal sealed record SnapshotRestore(int Restored, int Total, IReadOnlyList<string> Changed, IReadOnlyList<string> ChangedInputs)
{
    /// <summary>Libraries whose linked files came back too, so make does not link them again.</summary>
    public int Libraries { get; init; }

    /// <summary>Generated files written back (kconfig's outputs and tools, libuklibid's lists), and those in the snapshot.</summary>
    public (int Restored, int Total) Generated { get; init; }

    public BuildSnapshot? Snapshot { get; init; }

    public DateTime At { get; init; }

    /// <summary>Paths (relative to the build directory) this restore wrote.</summary>
    public IReadOnlySet<string> Written { get; init; } = new HashSet<string>();
}

/// <summary>
/// The entries of the restored snapshot for files that still bear the restore's time: make did not write them since
/// (it rebuilds a file by writing it anew, which gives it a later time). A hostile build could set a file's time back;
/// the entry then names the restored content, stored by digest, so the next restore writes that content, not the build's.
/// </summary>
internal sealed class KeptFromRestore(SnapshotRestore? restore, string build)
{
    private readonly Dictionary<string, SnapshotObject> _objects = restore?.Snapshot?.Objects.ToDictionary(o => o.Path, StringComparer.Ordinal) ?? [];
    private readonly Dictionary<string, SnapshotGenerated> _generated = restore?.Snapshot?.Generated.ToDictionary(g => g.Path, StringComparer.Ordinal) ?? [];
    private readonly Dictionary<string, SnapshotOutput> _outputs = restore?.Snapshot?.Libraries.SelectMany(l => l.Outputs).ToDictionary(o => o.Path, StringComparer.Ordinal) ?? [];

    public SnapshotObject? Object(string relative) =>
        _objects.TryGetValue(relative, out var entry) && Unchanged(relative) && Unchanged(DependencyFile(relative)) ? entry : null;

    /// <summary>The generated files still as restored.</summary>
    public IEnumerable<SnapshotGenerated> AllGenerated() => _generated.Values.Where(g => Unchanged(g.Path));

    public SnapshotOutput? Output(string relative) => _outputs.TryGetValue(relative, out var entry) && Unchanged(relative) ? entry : null;

    public SnapshotInput Input(int index) => restore!.Snapshot!.Inputs[index];

    private bool Unchanged(string relative)
    {
        if (restore is null || !restore.Written.Contains(relative))
        {
            return false;
        }

        var path = Path.Combine(build, relative);
        return Farm.Core.IO.FileKinds.Of(path) == Farm.Core.IO.FileKind.Regular && File.GetLastWriteTimeUtc(path) == restore.At;
    }

    private static string DependencyFile(string relative) =>
        relative.EndsWith(".o", StringComparison.Ordinal) ? Path.ChangeExtension(relative, ".d") : relative + ".d";
}
