using System.Text.RegularExpressions;

namespace Farm.Worker.Builders;

/// <summary>
/// Picks the line of a failed make run that names the cause, for the one-line reason. The first line that merely
/// contains "error" is often a harmless one (<c>-Werror</c>, <c>errno.c</c>, a file named <c>error.h</c>); a failure
/// is better told by what failed, in this order: the farm's own line (a library origin it cannot serve), a missing program (<c>lex: not found</c>), make's own message
/// (<c>*** ... Stop.</c>, a Makefile's <c>$(error)</c>), a compiler or linker <c>error:</c>, a missing file, and
/// last the first <c>*** [...] Error N</c> of make, which says only which rule failed.
/// </summary>
internal sealed partial class FailureLine
{
    // Best first; a line's rank is the first pattern it matches.
    private static readonly Regex[] Ranked =
    [
        FarmSaid(),
        NotFound(),
        MakeStop(),
        CompilerError(),
        NoSuchFile(),
        MakeError(),
    ];

    private readonly string?[] _first = new string?[Ranked.Length];

    /// <summary>The build tool a missing command belongs to, in Debian's packages.</summary>
    private static readonly Dictionary<string, string> Packages = new(StringComparer.Ordinal)
    {
        ["lex"] = "flex", ["flex"] = "flex", ["yacc"] = "bison", ["bison"] = "bison", ["python3"] = "python3",
        ["python"] = "python3", ["unzip"] = "unzip", ["patch"] = "patch", ["wget"] = "wget", ["git"] = "git",
        ["gawk"] = "gawk", ["awk"] = "gawk", ["bc"] = "bc", ["cpio"] = "cpio", ["xz"] = "xz-utils", ["bzip2"] = "bzip2",
        ["aarch64-linux-gnu-gcc"] = "gcc-aarch64-linux-gnu", ["x86_64-linux-gnu-gcc"] = "gcc-x86-64-linux-gnu",
    };

    public void Observe(string line)
    {
        for (var rank = 0; rank < Ranked.Length; rank++)
        {
            if (_first[rank] is null && Ranked[rank].IsMatch(line))
            {
                _first[rank] = line.Trim();
                return;
            }
        }
    }

    /// <summary>The line that names the cause, or null when no line looked like one.</summary>
    public string? Reason
    {
        get
        {
            var line = _first.FirstOrDefault(l => l is not null);
            if (line is not null && NotFound().Match(line) is { Success: true } missing
                && Packages.TryGetValue(missing.Groups["tool"].Value, out var package))
            {
                return $"{line} (a build tool: Debian package {package})";
            }

            return line;
        }
    }

    // The farm's own lines from inside the build (a library origin it could not serve).
    [GeneratedRegex(@"^farm: cannot ")]
    private static partial Regex FarmSaid();

    // "/bin/sh: 1: lex: not found", "make: lex: No such file or directory" (exec), "bash: bison: command not found".
    [GeneratedRegex(@"(?:^|: )(?<tool>[\w.+-]+): (?:command )?not found\s*$")]
    private static partial Regex NotFound();

    // "Makefile:12: *** Unsupported architecture.  Stop.", "make: *** No rule to make target 'x'.  Stop."
    [GeneratedRegex(@"\*\*\* (?!\[).*Stop\.\s*$")]
    private static partial Regex MakeStop();

    // gcc/clang "file.c:3:5: error: ...", "fatal error:", ld's "undefined reference to", "ld: cannot find -lx".
    [GeneratedRegex(@"(?:^|\s)(?:\S+:\d+(?::\d+)?: )?(?:fatal )?error: |undefined reference to |\bld(?:\.\w+)?: cannot find ")]
    private static partial Regex CompilerError();

    [GeneratedRegex(@"No such file or directory")]
    private static partial Regex NoSuchFile();

    // "make[2]: *** [Makefile.rules:70: x.lex.c] Error 127"
    [GeneratedRegex(@"\*\*\* \[.*\] Error \d+")]
    private static partial Regex MakeError();
}
