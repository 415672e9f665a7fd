using Farm.Core.IO;

namespace Farm.Worker.Builders;

/// <summary>
/// A build directory kept between builds, so that make rebuilds in place, is reused only for the build description
/// (<see cref="EarlierBuilds.Key"/>: kernel, defconfig, compiler, every <c>Makefile*</c>, <c>*.uk</c>, <c>*.mk</c>)
/// of the last build that ran to its end in it. make trusts timestamps and dependency files, not flags: Unikraft does
/// not recompile for a changed <c>Makefile.uk</c> or compiler, and an object a killed compile left half-written looks
/// up to date. Any other directory is emptied first; the earlier build's objects come back from the caches instead.
/// </summary>
internal static class KeptBuildDirectory
{
    private const string MarkerName = ".farm-build-description";

    /// <summary>
    /// Empties <paramref name="directory"/> unless its last finished build had <paramref name="description"/>; true when
    /// kept. Either way the build is unfinished until <see cref="Finished"/>.
    /// </summary>
    /// <param name="placed">Files placed in the directory for this build, before it: never removed.</param>
    public static bool Enter(string directory, string description, IReadOnlyList<string> placed, Action<string> log)
    {
        var keep = placed.Select(p => Path.GetFullPath(p)).ToHashSet(StringComparer.Ordinal);
        var marker = Path.Combine(directory, MarkerName);
        var kept = FileKinds.Of(marker) == FileKind.Regular && File.ReadAllText(marker) == description;
        // Every entry, hidden ones too (the default skips them: .config, .farm-build-description, what the build hid).
        var entries = new EnumerationOptions { AttributesToSkip = 0 };
        if (!kept && Directory.EnumerateFileSystemEntries(directory, "*", entries).Any(e => !keep.Contains(e)))
        {
            log($"farm: {Path.GetFileName(directory)}: the build directory held another build description or an unfinished build: emptied");
            foreach (var entry in new DirectoryInfo(directory).EnumerateFileSystemInfos("*", entries).Where(e => !keep.Contains(e.FullName)))
            {
                // The sandboxed build may have left links: removed as links, never followed.
                if (FileKinds.Of(entry.FullName) == FileKind.Directory)
                {
                    Directory.Delete(entry.FullName, recursive: true);
                }
                else
                {
                    File.Delete(entry.FullName);
                }
            }
        }

        File.Delete(marker);
        return kept;
    }

    /// <summary>make returned by itself (succeeded or failed, not killed): what it left is consistent for the next build of <paramref name="description"/>.</summary>
    public static void Finished(string directory, string description) =>
        InPlaceWrite.WriteAllBytes(Path.Combine(directory, MarkerName), System.Text.Encoding.UTF8.GetBytes(description));
}
