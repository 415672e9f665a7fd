using System.Text;

namespace Farm.Cache.Compilation;

/// <summary>
/// Make dependency files as gcc writes them. gcc wraps the rule's line at 72 columns, so the same dependencies at
/// paths of another length break at other places: a file replayed into another build directory is re-wrapped here
/// exactly as gcc's <c>make_write_name</c> does, so that it equals, byte for byte, what the compile would have written.
/// </summary>
public static class DependencyFile
{
    private const int ColumnLimit = 72;

    public static string Rewrap(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var lines = text.Split('\n');
        var rule = new StringBuilder();
        var index = 0;
        for (; index < lines.Length; index++)
        {
            var line = lines[index];
            var continued = line.EndsWith('\\');
            rule.Append(' ').Append(continued ? line[..^1] : line);
            if (!continued)
            {
                index++;
                break;
            }
        }

        var text2 = rule.ToString();
        var colon = text2.IndexOf(": ", StringComparison.Ordinal);
        if (colon < 0 && text2.TrimEnd().EndsWith(':'))
        {
            colon = text2.TrimEnd().Length - 1;
        }

        if (colon < 0)
        {
            return text; // Not a rule gcc wrote; leave it as it is.
        }

        var targets = Tokens(text2[..colon]);
        var dependencies = Tokens(text2[(colon + 1)..]);
        var output = new StringBuilder();
        var column = 0;
        foreach (var target in targets)
        {
            column = Write(output, target, column);
        }

        output.Append(':');
        column++;
        foreach (var dependency in dependencies)
        {
            column = Write(output, dependency, column);
        }

        output.Append('\n');
        output.Append(string.Join('\n', lines[index..]));
        return output.ToString();
    }

    /// <summary>The files a dependency file lists (the prerequisites of every rule, without the targets).</summary>
    public static IEnumerable<string> Paths(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var joined = text.Replace("\\\n", " ", StringComparison.Ordinal);
        foreach (var line in joined.Split('\n'))
        {
            var colon = line.IndexOf(": ", StringComparison.Ordinal);
            if (colon < 0)
            {
                continue;
            }

            foreach (var token in Tokens(line[(colon + 1)..]))
            {
                yield return token;
            }
        }
    }

    /// <summary>
    /// Whether <see cref="Paths"/> reads every name as gcc meant it: gcc escapes a space as <c>\ </c>, <c>#</c> as
    /// <c>\#</c> and <c>$</c> as <c>$$</c>, and a name split at such a space would leave its file out of a manifest.
    /// </summary>
    public static bool HasEscapedNames(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.Contains("\\ ", StringComparison.Ordinal) || text.Contains("\\#", StringComparison.Ordinal) || text.Contains("$$", StringComparison.Ordinal);
    }

    private static int Write(StringBuilder output, string name, int column)
    {
        if (column > 0)
        {
            if (column + name.Length > ColumnLimit)
            {
                output.Append(" \\\n");
                column = 0;
            }

            column++;
            output.Append(' ');
        }

        output.Append(name);
        return column + name.Length;
    }

    private static string[] Tokens(string text) => text.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
}
