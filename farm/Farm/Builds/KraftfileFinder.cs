namespace Farm.Builds;

/// <summary>
/// The Kraftfiles of a source tree, as paths relative to its root (sorted; <c>.git</c> and kraft's <c>.unikraft</c>
/// skipped): one per directory, the first of kraft's names found there, as kraft picks it.
/// </summary>
internal static class KraftfileFinder
{
    private static readonly string[] Names = ["kraft.yaml", "kraft.yml", "Kraftfile.yml", "Kraftfile.yaml", "Kraftfile"];
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
            }

            if (Names.FirstOrDefault(name => File.Exists(Path.Combine(directory.FullName, name))) is { } kraftfile)
            {
                found.Add(Path.GetRelativePath(root, Path.Combine(directory.FullName, kraftfile)).Replace('\\', '/'));
            }
        }

        return found.Order(StringComparer.Ordinal).ToList();
    }
}
