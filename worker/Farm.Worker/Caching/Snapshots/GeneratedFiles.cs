using System.Text;
using Farm.Core.IO;

namespace Farm.Worker.Caching.Snapshots;

/// <summary>
/// The files Unikraft's make generates before it compiles, found in a finished build directory, so that a later
/// build gets them back and needs one make run instead of <c>make prepare</c> and then <c>make</c>:
/// <list type="bullet">
/// <item>kconfig's outputs and tools (<see cref="Configuration"/>): functions of the <c>.config</c>, the
/// <c>Config.uk</c> files, the core's version, <c>support/kconfig</c> and the host compiler, all in the snapshot key;</item>
/// <item>a file a library's rule made (<c>libuklibid/include/uk/bits/libid.h</c> by awk): Unikraft writes each such
/// rule's command to <c>FILE.cmd</c> (beside it, or by its name at the top of the build directory); the files that
/// command names are its inputs, checked by content like an object's. A command naming a file outside the build's
/// roots and <c>/usr</c> is not one a later build can check: that file is made again.</item>
/// </list>
/// A file with a fixdep dependency file beside it (a preprocessed linker script) is restored as an object is.
/// </summary>
internal static class GeneratedFiles
{
    /// <summary>kconfig's copy of the .config, its header and auto.conf, and the two host programs make runs.</summary>
    public static readonly IReadOnlyList<string> Configuration = ["config", "include/uk/bits/config.h", "kconfig/auto.conf", "kconfig/tristate.config", "kconfig/conf", "kconfig/fixdep"];

    private const long MaxCommandBytes = 1L << 20;
    private static readonly char[] CommandSeparators = [' ', '\t', '\n', '\r', '\'', '"', '<', '>', ';', '|', '&', '(', ')', '=', ','];

    /// <summary>
    /// The generated files of a build directory (<paramref name="files"/>: its regular files, relative) with the files
    /// each was made from (absolute; relative names in a command are make's, which runs in the core directory), or
    /// null inputs for a file whose command named something that cannot be checked.
    /// </summary>
    public static IEnumerable<(string Path, IReadOnlyList<string>? Inputs)> Find(string build, string coreDirectory, IReadOnlySet<string> files)
    {
        foreach (var relative in Configuration.Where(files.Contains))
        {
            yield return (relative, []);
        }

        foreach (var relative in files.Order(StringComparer.Ordinal))
        {
            var name = Path.GetFileName(relative);
            if (!relative.Contains('/', StringComparison.Ordinal) || relative.StartsWith("kconfig/", StringComparison.Ordinal) || relative.StartsWith("include/", StringComparison.Ordinal)
                || name.EndsWith(".o", StringComparison.Ordinal) || name.EndsWith(".d", StringComparison.Ordinal) || name.EndsWith(".cmd", StringComparison.Ordinal)
                || name == "uk_clean_list" || files.Contains(relative + ".d"))
            {
                continue;
            }

            var path = Path.Combine(build, relative);
            if (Command(build, files, relative, path) is { } command)
            {
                yield return (relative, Inputs(command, path, coreDirectory));
            }
        }
    }

    /// <summary>The command a rule made <paramref name="path"/> with: FILE.cmd beside it, or NAME.cmd at the top when that command writes this path.</summary>
    private static string? Command(string build, IReadOnlySet<string> files, string relative, string path)
    {
        foreach (var candidate in new[] { relative + ".cmd", Path.GetFileName(relative) + ".cmd" })
        {
            if (files.Contains(candidate) && FileDigests.IsRegular(Path.Combine(build, candidate), MaxCommandBytes)
                && File.ReadAllText(Path.Combine(build, candidate)) is var text && Tokens(text).Contains(path))
            {
                return text;
            }
        }

        return null;
    }

    /// <summary>The existing files a command names, other than the file it writes; null when one is not a plain absolute path.</summary>
    private static List<string>? Inputs(string command, string output, string coreDirectory)
    {
        var inputs = new List<string>();
        foreach (var token in Tokens(command).Where(t => t.Contains('/', StringComparison.Ordinal) && !t.StartsWith('-')))
        {
            var path = Path.IsPathRooted(token) ? token : Path.Combine(coreDirectory, token);
            if (path == output || FileKinds.Of(path) is FileKind.Absent or FileKind.Directory)
            {
                continue;
            }

            if (Path.GetFullPath(path) != path || FileKinds.Of(path) != FileKind.Regular)
            {
                return null;
            }

            inputs.Add(path);
        }

        return inputs;
    }

    private static IEnumerable<string> Tokens(string command) => command.Split(CommandSeparators, StringSplitOptions.RemoveEmptyEntries);

    /// <summary>
    /// The content to store: a text file with the roots named (config.h names the core and the app), so that another
    /// directory gets its own; anything else, or text that would not come back the same, as it is.
    /// </summary>
    public static (byte[] Bytes, bool Named) Stored(byte[] bytes, BuildRoots roots)
    {
        if (Array.IndexOf(bytes, (byte)0) < 0)
        {
            try
            {
                var text = new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(bytes);
                var named = roots.NameAll(text);
                if (named != text && roots.PathAll(named) == text)
                {
                    return (Encoding.UTF8.GetBytes(named), true);
                }
            }
            catch (DecoderFallbackException)
            {
                // Not UTF-8: kept as it is.
            }
        }

        return (bytes, false);
    }

    /// <summary>What to write in this build for stored content.</summary>
    public static byte[] Written(byte[] stored, bool named, BuildRoots roots) =>
        named ? Encoding.UTF8.GetBytes(roots.PathAll(Encoding.UTF8.GetString(stored))) : stored;
}
