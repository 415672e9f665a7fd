using System.Security.Cryptography;
using System.Text;

namespace Farm.Worker.Caching.Snapshots;

/// <summary>
/// Which earlier build a target may start from: the same kernel of the same app, the same defconfig, the same
/// compiler, the same build description (every <c>Makefile*</c>, <c>*.uk</c> and <c>*.mk</c> file of the core, the
/// app and the libraries, by content), and what else kconfig's generated files are made from (<paramref name="environment"/>:
/// the core's version as make computes it, the host's compiler and parser generators; the core's
/// <c>support/kconfig</c> sources, by content). Sources are not in the key: each object's own inputs are checked
/// when it is restored. With all this unchanged, <c>make defconfig</c> gives the snapshot's <c>.config</c> again, and
/// <c>make prepare</c> its generated files.
/// </summary>
internal static class BuildSnapshotKey
{
    public static string Compute(string kernel, string defconfig, string compilerIdentity, IEnumerable<string> environment, BuildRoots roots, string buildDirectory) =>
        Compute(kernel, defconfig, compilerIdentity, environment, Description(roots, buildDirectory));

    /// <summary>The key from a <see cref="Description"/> computed beforehand (while the core's version is read).</summary>
    public static string Compute(string kernel, string defconfig, string compilerIdentity, IEnumerable<string> environment, string description)
    {
        var text = new StringBuilder();
        text.Append("farm-build-snapshot-v2\n").Append(kernel).Append('\n').Append(compilerIdentity).Append('\n').Append(defconfig).Append('\n');
        foreach (var line in environment)
        {
            text.Append(line.ReplaceLineEndings(" ")).Append('\n');
        }

        text.Append(description);
        return Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())));
    }

    /// <summary>Each description file of the build's source trees, by its named path and SHA-256, one a line.</summary>
    public static string Description(BuildRoots roots, string buildDirectory, Func<string, string?>? remembered = null)
    {
        var text = new StringBuilder();
        var build = Path.TrimEndingDirectorySeparator(Path.GetFullPath(buildDirectory));
        foreach (var (root, name) in roots.All.Where(r => r.Path != build).OrderBy(r => r.Name, StringComparer.Ordinal))
        {
            text.Append(remembered?.Invoke(root) ?? DescribeTree(root, name, build));
        }

        return text.ToString();
    }

    /// <summary>One source tree's lines of the <see cref="Description"/>.</summary>
    public static string DescribeTree(string root, string name, string buildDirectory)
    {
        var text = new StringBuilder();
        var build = Path.TrimEndingDirectorySeparator(Path.GetFullPath(buildDirectory));
        foreach (var file in DescriptionFiles(root, build, kconfigSources: name == "/farm/unikraft"))
        {
            text.Append(name).Append(file[root.Length..]).Append(' ').Append(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(file)))).Append('\n');
        }

        return text.ToString();
    }

    /// <summary>The compiler as make will run it: its resolved path, size and time, so an upgraded compiler is another key.</summary>
    public static string CompilerIdentity(string compilerPath)
    {
        var file = new FileInfo(compilerPath);
        var real = file.ResolveLinkTarget(returnFinalTarget: true) as FileInfo ?? file;
        return real.Exists ? $"{real.FullName} {real.Length} {real.LastWriteTimeUtc.Ticks}" : compilerPath;
    }

    /// <summary>The build description's files; for the core, also kconfig's sources, which kconfig's programs (restored too) are built from.</summary>
    private static IEnumerable<string> DescriptionFiles(string root, string buildDirectory, bool kconfigSources)
    {
        var kconfig = root + "/support/kconfig/";
        return Directory.EnumerateFiles(root, "*", BuildRoots.Walk)
            .Where(f => !f.StartsWith(buildDirectory + "/", StringComparison.Ordinal) && !f.Contains("/.git/", StringComparison.Ordinal)
                && (IsDescription(Path.GetFileName(f)) || (kconfigSources && f.StartsWith(kconfig, StringComparison.Ordinal))))
            .Order(StringComparer.Ordinal);
    }

    private static bool IsDescription(string name) =>
        name.StartsWith("Makefile", StringComparison.Ordinal) || name.EndsWith(".uk", StringComparison.Ordinal) || name.EndsWith(".mk", StringComparison.Ordinal);
}
