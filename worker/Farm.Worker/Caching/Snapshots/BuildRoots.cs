using System.Text.RegularExpressions;

namespace Farm.Worker.Caching.Snapshots;

/// <summary>
/// A build's directories and the fixed names that stand for them (<c>/farm/build</c>, <c>/farm/unikraft</c>,
/// <c>/farm/app</c>, <c>/farm/lib/NAME</c>): the same names farm-cc's prefix map gives them, so that what one build
/// directory recorded can be written back for another.
/// </summary>
internal sealed class BuildRoots
{
    /// <summary>
    /// How a build's trees are walked: every level, never through a link (a build directory is the sandboxed build's to
    /// fill, and a link it left must not lead the worker elsewhere), and an unreadable directory skipped.
    /// </summary>
    public static readonly EnumerationOptions Walk = new() { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true };

    private readonly IReadOnlyList<(string Path, string Name)> _roots;
    private readonly IReadOnlyList<(Regex Root, string Name)> _naming;
    private readonly IReadOnlyList<(Regex Name, string Root)> _pathing;

    public BuildRoots(IEnumerable<(string Path, string Name)> roots)
    {
        // Longest first, so that a root inside another (the build directory under the app) wins.
        _roots = [.. roots.Select(r => (System.IO.Path.TrimEndingDirectorySeparator(System.IO.Path.GetFullPath(r.Path)), r.Name)).OrderByDescending(r => r.Item1.Length)];
        _naming = [.. _roots.Select(r => (Whole(r.Path), r.Name))];
        _pathing = [.. _roots.OrderByDescending(r => r.Name.Length).Select(r => (Whole(r.Name), r.Path.Replace("$", "$$", StringComparison.Ordinal)))];
    }

    public IEnumerable<(string Path, string Name)> All => _roots;

    /// <summary>FARM_CACHE_PREFIX_MAP's form: <c>ROOT=NAME:ROOT=NAME</c>.</summary>
    public string PrefixMap => string.Join(':', _roots.Select(r => $"{r.Path}={r.Name}"));

    /// <summary>The path with its root replaced by the root's name; null when it is under no root.</summary>
    public string? Name(string path)
    {
        foreach (var (root, name) in _roots)
        {
            if (path.StartsWith(root + "/", StringComparison.Ordinal))
            {
                return name + path[root.Length..];
            }
        }

        return null;
    }

    /// <summary>The path a name stands for in this build; null for a name of no root here.</summary>
    public string? Path(string named)
    {
        foreach (var (root, name) in _roots)
        {
            if (named.StartsWith(name + "/", StringComparison.Ordinal))
            {
                return root + named[name.Length..];
            }
        }

        return null;
    }

    /// <summary>Every root in <paramref name="text"/> replaced by its name (<c>/work/a/main.c</c>, and <c>"/work/a"</c> in a generated header).</summary>
    public string NameAll(string text)
    {
        foreach (var (root, name) in _naming)
        {
            text = root.Replace(text, name);
        }

        return text;
    }

    /// <summary>Every name in <paramref name="text"/> replaced by this build's root.</summary>
    public string PathAll(string text)
    {
        foreach (var (name, root) in _pathing)
        {
            text = name.Replace(text, root);
        }

        return text;
    }

    /// <summary>The path as a whole path, not the start of a longer name (<c>/work/a</c> is not in <c>/work/ab</c>).</summary>
    private static Regex Whole(string path) => new(Regex.Escape(path) + "(?![A-Za-z0-9._+-])", RegexOptions.CultureInvariant);
}
