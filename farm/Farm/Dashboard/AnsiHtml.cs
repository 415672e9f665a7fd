using System.Net;
using System.Text;
using System.Text.RegularExpressions;

namespace Farm.Dashboard;

/// <summary>
/// A log line's ANSI colours (SGR: bold, the 8 and bright 8 foreground colours, reset) as HTML spans with classes, and
/// every other escape sequence dropped; the text between is HTML-encoded. Done on the server: the browser gets markup
/// it only displays, never a sequence it interprets.
/// </summary>
internal static partial class AnsiHtml
{
    public static string Render(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        if (!line.Contains('\u001b', StringComparison.Ordinal))
        {
            return WebUtility.HtmlEncode(line);
        }

        var html = new StringBuilder(line.Length + 32);
        var open = false;
        var last = 0;
        foreach (Match escape in Escape().Matches(line))
        {
            html.Append(WebUtility.HtmlEncode(line[last..escape.Index]));
            last = escape.Index + escape.Length;
            if (escape.Groups["sgr"].Success)
            {
                var classes = Classes(escape.Groups["sgr"].Value);
                if (open)
                {
                    html.Append("</span>");
                    open = false;
                }

                if (classes.Length > 0)
                {
                    html.Append("<span class=\"").Append(classes).Append("\">");
                    open = true;
                }
            }
        }

        html.Append(WebUtility.HtmlEncode(line[last..]));
        return open ? html.Append("</span>").ToString() : html.ToString();
    }

    /// <summary>The line without any escape sequence (for searching and the plain views).</summary>
    public static string Strip(string line) => Escape().Replace(line, string.Empty);

    private static string Classes(string parameters)
    {
        var classes = new List<string>();
        foreach (var part in parameters.Split(';'))
        {
            if (!int.TryParse(part.Length == 0 ? "0" : part, out var code))
            {
                continue;
            }

            switch (code)
            {
                case 0:
                    classes.Clear();
                    break;
                case 1:
                    classes.Add("ansi-bold");
                    break;
                case >= 30 and <= 37:
                    classes.Add($"ansi-{code - 30}");
                    break;
                case >= 90 and <= 97:
                    classes.Add($"ansi-{code - 90} ansi-bright");
                    break;
            }
        }

        return string.Join(' ', classes);
    }

    [GeneratedRegex(@"\u001b\[(?<sgr>[0-9;]*)m|\u001b\[[0-9;?]*[A-Za-z]|\u001b\][^\u0007\u001b]*(\u0007|\u001b\\)?|\u001b[@-_]?", RegexOptions.None, 1000)]
    private static partial Regex Escape();
}
