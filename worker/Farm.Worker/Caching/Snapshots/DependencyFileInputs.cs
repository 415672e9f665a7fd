namespace Farm.Worker.Caching.Snapshots;

/// <summary>
/// The files an object was compiled from, as Unikraft's dependency file (Kbuild's fixdep output) lists them:
/// <c>source_OBJ := FILE</c> and <c>deps_OBJ := \</c> followed by one file per line. The
/// <c>$(wildcard include/config/…)</c> entries are kconfig options, covered by comparing the whole <c>.config</c>.
/// </summary>
internal static class DependencyFileInputs
{
    /// <summary>The listed files, or null when the text is not a fixdep dependency file (then nothing can be checked).</summary>
    public static IReadOnlyList<string>? Parse(string text)
    {
        var inputs = new List<string>();
        var sawSource = false;
        var inDeps = false;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.Trim();
            var continues = line.EndsWith('\\');
            if (continues)
            {
                line = line[..^1].TrimEnd();
            }

            if (line.StartsWith("source_", StringComparison.Ordinal) && line.IndexOf(":=", StringComparison.Ordinal) is > 0 and var at)
            {
                sawSource = true;
                AddFile(inputs, line[(at + 2)..].Trim());
                inDeps = false;
            }
            else if (line.StartsWith("deps_", StringComparison.Ordinal) && line.IndexOf(":=", StringComparison.Ordinal) is > 0 and var depsAt)
            {
                AddFile(inputs, line[(depsAt + 2)..].Trim());
                inDeps = continues;
            }
            else if (inDeps)
            {
                AddFile(inputs, line);
                inDeps = continues;
            }
        }

        return sawSource ? inputs : null;
    }

    private static void AddFile(List<string> inputs, string token)
    {
        if (token.Length > 0 && !token.StartsWith("$(", StringComparison.Ordinal))
        {
            inputs.Add(token);
        }
    }
}
