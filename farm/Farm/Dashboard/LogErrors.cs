using System.Text.RegularExpressions;

namespace Farm.Dashboard;

/// <summary>Which log line is the first error: what a compiler, make, the linker or the smoke test prints when it fails.</summary>
internal static partial class LogErrors
{
    /// <summary>The index of the first error line in <paramref name="lines"/>, or -1.</summary>
    public static int First(IReadOnlyList<string> lines)
    {
        ArgumentNullException.ThrowIfNull(lines);
        for (var i = 0; i < lines.Count; i++)
        {
            if (IsError(AnsiHtml.Strip(lines[i])))
            {
                return i;
            }
        }

        return -1;
    }

    public static bool IsError(string line) => Pattern().IsMatch(line);

    [GeneratedRegex(@"(\berror\b|\bError\b|\bERROR\b|\*\*\*|\bfatal\b|\bFAILED\b|\bfailed\b|CRIT:|Crash dump|undefined reference)", RegexOptions.None, 1000)]
    private static partial Regex Pattern();
}
