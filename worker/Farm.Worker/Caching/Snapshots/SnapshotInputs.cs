namespace Farm.Worker.Caching.Snapshots;

/// <summary>
/// The inputs a capture records, each once, by its named path: a file under one of the build's roots (named by it)
/// or under <c>/usr</c>. A path with <c>.</c> or <c>..</c> segments could leave its root (<c>/usr/../etc/shadow</c>),
/// and a file elsewhere is not one a later build can check: both make the object or generated file that lists them
/// not recorded.
/// </summary>
internal sealed class SnapshotInputs(BuildRoots roots, FileDigests digests)
{
    private readonly Dictionary<string, int> _index = new(StringComparer.Ordinal);

    public List<SnapshotInput> All { get; } = [];

    /// <summary>The indexes of <paramref name="paths"/> (absolute), or null when one of them cannot be recorded.</summary>
    public List<int>? IndexesOf(IEnumerable<string> paths)
    {
        var indexes = new List<int>();
        foreach (var path in paths)
        {
            if (Index(path) is not { } index)
            {
                return null;
            }

            indexes.Add(index);
        }

        return indexes;
    }

    /// <summary>
    /// The index of an input recorded by an earlier snapshot, with its digest as recorded then: an object kept from
    /// that build was made from that content, even where an object compiled since lists the same file with another.
    /// </summary>
    public int Reuse(SnapshotInput input)
    {
        var key = input.Path + "\n" + input.Sha256;
        if (!_index.TryGetValue(key, out var index))
        {
            index = All.Count;
            _index[key] = index;
            All.Add(input);
        }

        return index;
    }

    private int? Index(string path)
    {
        var named = Path.GetFullPath(path) != path ? null : roots.Name(path) ?? (path.StartsWith("/usr/", StringComparison.Ordinal) ? path : null);
        return named is null || digests.Of(path) is not { } sha ? null : Reuse(new SnapshotInput(named, sha));
    }
}
