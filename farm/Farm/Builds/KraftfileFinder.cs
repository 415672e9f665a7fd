namespace Farm.Builds;

/// <summary>The Kraftfiles of a source tree, as paths relative to its root (sorted; <c>.git</c> and kraft's <c>.unikraft</c> skipped).</summary>
internal static class KraftfileFinder
{
    private static readonly HashSet<string> Names = new(StringComparer.Ordinal) { "Kraftfile", "Kraftfile.yaml", "Kraftfile.yml", "kraft.yaml", "kraft.yml" };
    private static readonly HashSet<string> Skipped = new(StringComparer.Ordinal) { ".git", ".unikraft" };

    public static IReadOnlyList<string> Find(string root)
    {
        var found = new List<string>();
        var pending = new Stack<DirectoryInfo>([new DirectoryInfo(root)]);
        while (pending.TryPop(out var directory))
        {
            foreach (var entry in directory.EnumerateFileSystemInfos())
            {
                if (entry.LinkTarget is not null)
                {
                    continue;
                }

                if (entry is DirectoryInfo sub && !Skipped.Contains(sub.Name))
                {
                    pending.Push(sub);
                }
                else if (entry is FileInfo && Names.Contains(entry.Name))
                {
                    found.Add(Path.GetRelativePath(root, entry.FullName).Replace('\\', '/'));
                }
            }
        }

        return found.Order(StringComparer.Ordinal).ToList();
    }
}
