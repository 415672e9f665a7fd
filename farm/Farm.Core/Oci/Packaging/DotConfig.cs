namespace Farm.Core.Oci.Packaging;

/// <summary>
/// A target's full Unikraft <c>.config</c>: its <c>KEY=VALUE</c> lines become the platform's <c>os.features</c>
/// (sorted; without <c>CONFIG_UK_APP</c> and <c>CONFIG_UK_BASE</c>, which are paths of the build machine) and
/// <c>CONFIG_UK_FULLVERSION</c> its <c>os.version</c>.
/// </summary>
public sealed record DotConfig(IReadOnlyList<string> Features, string? Version)
{
    private static readonly string[] MachineSpecific = ["CONFIG_UK_APP", "CONFIG_UK_BASE"];

    public static DotConfig Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var features = new SortedSet<string>(StringComparer.Ordinal);
        string? version = null;
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r').Trim();
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (line.Length == 0 || line.StartsWith('#') || eq <= 0)
            {
                continue;
            }

            var key = line[..eq];
            if (MachineSpecific.Contains(key, StringComparer.Ordinal))
            {
                continue;
            }

            if (key == "CONFIG_UK_FULLVERSION")
            {
                version = line[(eq + 1)..].Trim('"');
            }

            features.Add(line);
        }

        return new DotConfig(features.ToList(), version);
    }
}
