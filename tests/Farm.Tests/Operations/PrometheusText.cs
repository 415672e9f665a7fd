using System.Globalization;
using System.Text.RegularExpressions;

namespace Farm.Tests.Operations;

/// <summary>Reads a Prometheus text exposition as a scraper would: series by name and labels.</summary>
internal static partial class PrometheusText
{
    /// <summary>The sum over every series named <paramref name="name"/> whose labels include <paramref name="labels"/> (0 when none).</summary>
    public static double Sum(string text, string name, params (string Label, string Value)[] labels) =>
        Series(text)
            .Where(s => s.Name == name && labels.All(l => s.Labels.TryGetValue(l.Label, out var v) && v == l.Value))
            .Sum(s => s.Value);

    public static IEnumerable<(string Name, Dictionary<string, string> Labels, double Value)> Series(string text)
    {
        foreach (var line in text.Split('\n'))
        {
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var match = SeriesLine().Match(line);
            if (!match.Success)
            {
                throw new FormatException($"not a Prometheus series line: {line}");
            }

            var labels = LabelPair().Matches(match.Groups["labels"].Value).ToDictionary(m => m.Groups[1].Value, m => m.Groups[2].Value);
            yield return (match.Groups["name"].Value, labels, double.Parse(match.Groups["value"].Value, CultureInfo.InvariantCulture));
        }
    }

    [GeneratedRegex(@"^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>[^}]*)\})? (?<value>\S+)$")]
    private static partial Regex SeriesLine();

    [GeneratedRegex(@"([a-zA-Z_][a-zA-Z0-9_]*)=""((?:[^""\\]|\\.)*)""")]
    private static partial Regex LabelPair();
}
