namespace Farm.Cache.Compilation;

/// <summary>
/// <c>FARM_CACHE_BASEDIR</c>, as ccache's <c>base_dir</c>: every path under it is written relative to the working
/// directory, in the key and in the object, so two copies of a source tree (any depth under it) share hits. It
/// becomes prefix-map entries, one per ancestor of the working directory up to the base: the working directory is
/// <c>.</c>, its parent <c>..</c>, and so on; the longest matching root wins, which gives each path's relative form.
/// A working directory outside the base gets none (its paths stay absolute, and so in the key).
/// </summary>
public static class BaseDirectory
{
    public static IEnumerable<(string Root, string Name)> Entries(string? baseDirectory, string workingDirectory)
    {
        if (string.IsNullOrEmpty(baseDirectory) || !Path.IsPathFullyQualified(baseDirectory))
        {
            yield break;
        }

        var root = Path.TrimEndingDirectorySeparator(Path.GetFullPath(baseDirectory));
        var directory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(workingDirectory));
        if (root.Length <= 1 || !(directory == root || directory.StartsWith(root + "/", StringComparison.Ordinal)))
        {
            yield break;
        }

        var name = ".";
        while (true)
        {
            yield return (directory, name);
            if (directory == root)
            {
                yield break;
            }

            directory = Path.GetDirectoryName(directory)!;
            name = name == "." ? ".." : name + "/..";
        }
    }
}
