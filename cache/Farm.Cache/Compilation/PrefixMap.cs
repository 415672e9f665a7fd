namespace Farm.Cache.Compilation;

/// <summary>
/// The build's roots (build directory, Unikraft core, app, libraries) and the fixed names they stand for. The same
/// map goes to the compiler as <c>-ffile-prefix-map=ROOT=NAME</c> (so objects do not embed where they were built)
/// and into the key (so two directories holding the same sources give the same key). Longest root first, so a
/// library inside the app's tree is mapped as the library.
/// </summary>
public sealed class PrefixMap
{
    private readonly List<(string Root, string Name)> _entries;

    public PrefixMap(IEnumerable<(string Root, string Name)> entries)
    {
        _entries = entries
            .Where(e => e.Root.Length > 1)
            .Select(e => (e.Root.TrimEnd('/'), e.Name))
            .DistinctBy(e => e.Item1)
            .OrderByDescending(e => e.Item1.Length)
            .ToList();
    }

    public static PrefixMap Empty { get; } = new([]);

    public IReadOnlyList<(string Root, string Name)> Entries => _entries;

    /// <summary>
    /// Reads <c>ROOT=NAME:ROOT=NAME</c> (as <c>FARM_CACHE_PREFIX_MAP</c> carries it) and <c>FARM_CACHE_BASEDIR</c>
    /// (<paramref name="baseDirectory"/>), plus the working directory as <c>build</c> when neither names it.
    /// </summary>
    public static PrefixMap Parse(string? text, string workingDirectory, string? baseDirectory = null)
    {
        var entries = new List<(string, string)>();
        foreach (var pair in (text ?? string.Empty).Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = pair.LastIndexOf('=');
            if (eq > 0 && eq < pair.Length - 1)
            {
                entries.Add((pair[..eq], pair[(eq + 1)..]));
            }
        }

        entries.AddRange(BaseDirectory.Entries(baseDirectory, workingDirectory));
        if (!entries.Any(e => e.Item1.TrimEnd('/') == workingDirectory.TrimEnd('/')))
        {
            entries.Add((workingDirectory, "/farm/build"));
        }

        return new PrefixMap(entries);
    }

    /// <summary>
    /// The flags for the compiler, shortest root first: GCC applies the last matching <c>-ffile-prefix-map</c>, so the
    /// longest root has to come last to win, as it does in <see cref="Normalise"/>.
    /// </summary>
    public IEnumerable<string> CompilerFlags() => _entries.AsEnumerable().Reverse().Select(e => $"-ffile-prefix-map={e.Root}={e.Name}");

    /// <summary>Replaces every root in <paramref name="text"/> by its name.</summary>
    public string Normalise(string text)
    {
        foreach (var (root, name) in _entries)
        {
            text = text.Replace(root, name, StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>The reverse, for what is replayed into this build (dependency files, compiler messages).</summary>
    public string Denormalise(string text)
    {
        foreach (var (root, name) in _entries.OrderByDescending(e => e.Name.Length))
        {
            text = text.Replace(Placeholder(name), root, StringComparison.Ordinal);
        }

        return text;
    }

    /// <summary>Like <see cref="Normalise"/>, but with markers that cannot occur in real text, so they can be put back.</summary>
    public string Mark(string text)
    {
        foreach (var (root, name) in _entries)
        {
            text = text.Replace(root, Placeholder(name), StringComparison.Ordinal);
        }

        return text;
    }

    private static string Placeholder(string name) => "\u0001" + name + "\u0002";
}
