using System.Text;

namespace Farm.Core.Kraftfiles;

/// <summary>POSIX-shell word splitting without expansion: whitespace separates, quotes group, backslash escapes.</summary>
public static class ShellWords
{
    public static bool TrySplit(string line, out IReadOnlyList<string> words, out string error)
    {
        var result = new List<string>();
        var word = new StringBuilder();
        var inWord = false;
        char? quote = null;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quote == '\'')
            {
                if (c == '\'') { quote = null; } else { word.Append(c); }
                continue;
            }

            if (c == '\\' && i + 1 < line.Length && (quote is null || line[i + 1] is '"' or '\\' or '$' or '`'))
            {
                word.Append(line[++i]);
                inWord = true;
                continue;
            }

            if (quote == '"')
            {
                if (c == '"') { quote = null; } else { word.Append(c); }
                continue;
            }

            if (c is '\'' or '"')
            {
                quote = c;
                inWord = true;
            }
            else if (char.IsWhiteSpace(c))
            {
                if (inWord)
                {
                    result.Add(word.ToString());
                    word.Clear();
                    inWord = false;
                }
            }
            else
            {
                word.Append(c);
                inWord = true;
            }
        }

        words = result;
        if (quote is not null)
        {
            error = $"the command line has an unclosed {quote} quote; close it or write cmd as a list of arguments";
            return false;
        }

        if (inWord)
        {
            result.Add(word.ToString());
        }

        error = "";
        return true;
    }
}
