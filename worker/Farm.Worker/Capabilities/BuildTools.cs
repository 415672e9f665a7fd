using Farm.Core.Processes;

namespace Farm.Worker.Capabilities;

/// <summary>
/// The programs every Unikraft build runs besides the compiler: make, and kconfig's own tools (flex and bison build
/// <c>conf</c> at the first <c>make defconfig</c>; python3 runs the build's scripts). Without one of them every
/// queue fails, at the first target, with a line such as <c>/bin/sh: 1: lex: not found</c>: the worker finds
/// them at start-up instead, says which package brings each, and serves no queue until they are there.
/// </summary>
internal static class BuildTools
{
    private static readonly (string Command, string Package)[] Required =
    [
        ("make", "make"),
        ("flex", "flex"),
        ("bison", "bison"),
        ("python3", "python3"),
    ];

    /// <summary>Each missing program and why it is needed, in a stable order; empty when all are there.</summary>
    public static IReadOnlyDictionary<string, string> Missing(Func<string, string?>? find = null)
    {
        find ??= ExecutableLocator.Find;
        var missing = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var (command, package) in Required)
        {
            if (find(command) is null)
            {
                missing[command] = $"{command} is not installed (Debian: {package})";
            }
        }

        return missing;
    }

    /// <summary>One line for a reason: "build tools missing: flex is not installed (Debian: flex), ...".</summary>
    public static string Describe(IReadOnlyDictionary<string, string> missing) =>
        $"build tools missing: {string.Join("; ", missing.Values)}";
}
