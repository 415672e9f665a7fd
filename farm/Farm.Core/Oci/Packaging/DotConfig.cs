namespace Farm.Core.Oci.Packaging;

/// <summary>
/// A target's kconfig as kraft packs it into the platform's <c>os.features</c>: the target's Kraftfile kconfig
/// overridden by its full <c>.config</c>, one <c>KEY=VALUE</c> per key, values with their quotes stripped as kraft's
/// <c>.config</c> reader strips them (<c>CONFIG_UK_NAME=helloworld</c>), sorted, and without <c>CONFIG_UK_APP</c> and
/// <c>CONFIG_UK_BASE</c> (paths of the build machine). kraft selects a kernel by exact string match on these, so a
/// query written as in a Kraftfile must find them. <c>CONFIG_UK_FULLVERSION</c> is the <c>os.version</c>.
/// </summary>
public sealed record DotConfig(IReadOnlyList<string> Features, string? Version)
{
    private static readonly string[] MachineSpecific = ["CONFIG_UK_APP", "CONFIG_UK_BASE"];

    /// <param name="text">The <c>.config</c>.</param>
    /// <param name="kraftfileKConfig">The target's merged Kraftfile kconfig, which the <c>.config</c> overrides.</param>
    public static DotConfig Parse(string text, IEnumerable<KeyValuePair<string, string>>? kraftfileKConfig = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in kraftfileKConfig ?? [])
        {
            values[key] = Unquote(value);
        }

        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r').Trim();
            var eq = line.IndexOf('=', StringComparison.Ordinal);
            if (line.Length == 0 || line.StartsWith('#') || eq <= 0)
            {
                continue;
            }

            values[line[..eq]] = Unquote(line[(eq + 1)..]);
        }

        foreach (var key in MachineSpecific)
        {
            values.Remove(key);
        }

        var features = values.Select(v => $"{v.Key}={v.Value}").Order(StringComparer.Ordinal).ToList();
        return new DotConfig(features, values.GetValueOrDefault("CONFIG_UK_FULLVERSION"));
    }

    /// <summary>A kconfig assignment as it appears in <c>os.features</c>: <c>KEY=value</c>, quotes stripped.</summary>
    public static string Feature(string key, string value) => $"{key}={Unquote(value)}";

    private static string Unquote(string value) =>
        value.Length >= 2 && value[0] == '"' && value[^1] == '"' ? value[1..^1].Replace("\\\"", "\"", StringComparison.Ordinal).Replace("\\\\", "\\", StringComparison.Ordinal) : value;
}
