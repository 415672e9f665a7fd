using System.Text.RegularExpressions;
using Farm.Core.Yaml;

namespace Farm.Core.Kraftfiles;

/// <summary>
/// Reads the spec version from <c>specification</c>, else <c>spec</c>: <c>0.5</c>, <c>'0.5'</c>, <c>v0.6</c>, <c>0.6.0</c>.
/// 0.4–0.6 are read (below 0.6 with kraft's warning); v0.7 belongs to the newer Unikraft CLI and is refused.
/// </summary>
internal static partial class SpecReader
{
    public const string Latest = "0.6";
    private static readonly string[] Supported = ["0.4", "0.5", "0.6"];

    public static string? Read(ReadContext context, IReadOnlyList<MapEntry> entries, YamlMapping root)
    {
        var entry = entries.FirstOrDefault(e => e.Name == "specification") ?? entries.FirstOrDefault(e => e.Name == "spec");
        if (entry is null)
        {
            context.Error(root, "spec", $"missing 'spec' version attribute; add 'spec: v{Latest}' at the top");
            return null;
        }

        if (entry.Value is not YamlScalar { Kind: ScalarKind.Text or ScalarKind.RealNumber or ScalarKind.WholeNumber } scalar)
        {
            context.Error(entry.Value, entry.Name, $"expected a version such as v{Latest}, found {entry.Value.KindName}");
            return null;
        }

        var text = scalar.Kind == ScalarKind.RealNumber ? Yaml11Scalars.FloatToText(scalar.Text) : scalar.Text.Trim();
        var match = VersionPattern().Match(text);
        if (!match.Success)
        {
            context.Error(scalar, entry.Name, $"'{scalar.Text}' is not a version; expected v{Latest} (or 0.5, 0.4)");
            return null;
        }

        var version = $"{int.Parse(match.Groups["major"].Value, System.Globalization.CultureInfo.InvariantCulture)}.{(match.Groups["minor"].Success ? int.Parse(match.Groups["minor"].Value, System.Globalization.CultureInfo.InvariantCulture) : 0)}";
        if (version == "0.7")
        {
            context.Error(scalar, entry.Name, "spec v0.7 is the Kraftfile format of the newer Unikraft CLI, which this farm does not read yet; write the file for kraft (spec v0.6)");
            return null;
        }

        if (!Supported.Contains(version))
        {
            context.Error(scalar, entry.Name, $"unsupported spec version {version}; this farm reads {string.Join(", ", Supported)} as kraft does");
            return null;
        }

        if (version != Latest)
        {
            context.Warning(scalar, entry.Name, $"specification v{version} is not the latest (v{Latest}); kraft reads it with a warning");
        }

        return version;
    }

    [GeneratedRegex(@"^v?(?<major>[0-9]{1,9})(\.(?<minor>[0-9]{1,9}))?(\.[0-9]{1,9})?(-[0-9A-Za-z.-]+)?(\+[0-9A-Za-z.-]+)?$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPattern();
}
