namespace Farm.Core.IO;

/// <summary>
/// The directory a build's paths must stay in: a git checkout or an unpacked upload in served mode, the git work tree
/// holding the Kraftfile (else its directory) for <c>farm build</c>. A path is resolved as the kernel would open it,
/// component by component, following every symbolic link (<c>realpath</c> semantics, <c>a/link/..</c> is the link
/// target's parent), and is inside only when the result is the root or below it. So <c>..</c>, an absolute path and
/// a link to <c>/etc</c> are all caught by one rule, and nothing is read to decide but link targets.
/// </summary>
public sealed class SourceTree
{
    /// <summary>Links followed before a path is called a loop (Linux's <c>MAXSYMLINKS</c>).</summary>
    private const int MaxLinks = 40;

    /// <param name="hint">What the user can do about a path outside, appended to the message (e.g. a flag that allows it).</param>
    public SourceTree(string root, string? hint = null)
    {
        ArgumentNullException.ThrowIfNull(root);
        Root = Resolve(Path.GetFullPath(root)) ?? Path.GetFullPath(root);
        Hint = hint;
    }

    /// <summary>The root, itself resolved (a checkout below a linked <c>/tmp</c> is still its own root).</summary>
    public string Root { get; }

    public string? Hint { get; }

    /// <summary>
    /// For <c>farm build</c>: the top of the git work tree holding <paramref name="kraftfileDirectory"/> (a
    /// <c>.git</c> directory or file), else that directory itself.
    /// </summary>
    public static string LocalRoot(string kraftfileDirectory)
    {
        var start = Path.GetFullPath(kraftfileDirectory);
        for (var directory = start; directory is not null; directory = Path.GetDirectoryName(directory))
        {
            if (Directory.Exists(Path.Combine(directory, ".git")) || File.Exists(Path.Combine(directory, ".git")))
            {
                return directory;
            }
        }

        return start;
    }

    /// <summary>Null when <paramref name="path"/> (relative to <paramref name="baseDirectory"/>) stays in the tree; else why not, naming it.</summary>
    public string? WhyOutside(string path, string baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(path);
        // Not Path.GetFullPath: it folds 'link/..' away before the link is looked at.
        var resolved = Resolve(path.StartsWith('/') ? path : Path.GetFullPath(baseDirectory) + "/" + path);
        if (resolved is null)
        {
            return $"'{path}' has too many levels of symbolic links";
        }

        return Contains(resolved) ? null : $"'{path}' leaves the source tree{(resolved == Path.GetFullPath(path, baseDirectory) ? string.Empty : $" (it resolves to {resolved})")}{Hint}";
    }

    public bool Contains(string resolvedPath) =>
        resolvedPath == Root || resolvedPath.StartsWith(Root.EndsWith('/') ? Root : Root + "/", StringComparison.Ordinal);

    /// <summary>
    /// The path with every symbolic link on it followed, as <c>realpath</c> would give it; a missing component ends the
    /// walk (the rest is kept as written); null after <see cref="MaxLinks"/> links (a loop).
    /// </summary>
    public static string? Resolve(string absolutePath)
    {
        ArgumentNullException.ThrowIfNull(absolutePath);
        var done = new List<string>();
        var pending = new Stack<string>(absolutePath.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse());
        var links = 0;
        var missing = false;
        while (pending.TryPop(out var part))
        {
            if (part == ".")
            {
                continue;
            }

            if (part == "..")
            {
                if (done.Count > 0)
                {
                    done.RemoveAt(done.Count - 1);
                }

                continue;
            }

            done.Add(part);
            if (missing)
            {
                continue;
            }

            var current = "/" + string.Join('/', done);
            var info = new FileInfo(current);
            if (info.LinkTarget is not { } target)
            {
                missing = !info.Exists && !Directory.Exists(current);
                continue;
            }

            if (++links > MaxLinks)
            {
                return null;
            }

            done.RemoveAt(done.Count - 1);
            if (target.StartsWith('/'))
            {
                done.Clear();
            }

            foreach (var next in target.Split('/', StringSplitOptions.RemoveEmptyEntries).Reverse())
            {
                pending.Push(next);
            }
        }

        return "/" + string.Join('/', done);
    }
}
