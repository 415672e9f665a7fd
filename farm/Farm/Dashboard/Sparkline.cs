using System.Globalization;
using System.Text;

namespace Farm.Dashboard;

/// <summary>A tiny inline SVG line of values, oldest left; gaps (failed runs) are skipped.</summary>
internal static class Sparkline
{
    public static string Svg(IReadOnlyList<double?> values, string label)
    {
        ArgumentNullException.ThrowIfNull(values);
        var known = values.Where(v => v is not null).Select(v => v!.Value).ToList();
        if (known.Count < 2)
        {
            return string.Empty;
        }

        double min = known.Min(), max = known.Max(), range = Math.Max(max - min, (Math.Abs(max) * 0.25) + 1e-9); // small jitter stays small
        var points = new StringBuilder();
        for (var i = 0; i < values.Count; i++)
        {
            if (values[i] is { } v)
            {
                var x = values.Count == 1 ? 0 : i * 80.0 / (values.Count - 1);
                var y = 18 - ((v - min) / range * 16);
                points.Append(CultureInfo.InvariantCulture, $"{x:0.0},{y:0.0} ");
            }
        }

        return $"<svg class=\"spark\" viewBox=\"-1 0 82 20\" role=\"img\" aria-label=\"{Html.E(label)}\"><polyline points=\"{points.ToString().Trim()}\"/></svg>";
    }
}
