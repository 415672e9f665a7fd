using System.Globalization;
using System.Numerics;
using System.Text.RegularExpressions;

namespace Farm.Core.Yaml;

/// <summary>
/// YAML 1.1 plain-scalar resolution, as the Go YAML library kraft uses applies it to a Kraftfile:
/// <c>y</c>/<c>n</c>/<c>on</c>/<c>off</c> are booleans and <c>0x400000000</c> is an integer.
/// </summary>
public static partial class Yaml11Scalars
{
    private const string TagPrefix = "tag:yaml.org,2002:";

    private static readonly HashSet<string> True = ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"];
    private static readonly HashSet<string> False = ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"];
    private static readonly HashSet<string> Nulls = ["", "~", "null", "Null", "NULL"];

    public static ScalarKind Resolve(string text, bool isPlain, string? tag)
    {
        if (tag is not null && tag.StartsWith(TagPrefix, StringComparison.Ordinal))
        {
            return tag[TagPrefix.Length..] switch
            {
                "null" => ScalarKind.Null,
                "bool" => True.Contains(text) || False.Contains(text) ? ScalarKind.Boolean : ScalarKind.Text,
                "int" => IntegerPattern().IsMatch(text) ? ScalarKind.WholeNumber : ScalarKind.Text,
                "float" => IsFloat(text) || IntegerPattern().IsMatch(text) ? ScalarKind.RealNumber : ScalarKind.Text,
                _ => ScalarKind.Text,
            };
        }

        if (!isPlain || tag is not null)
        {
            return ScalarKind.Text;
        }

        if (Nulls.Contains(text))
        {
            return ScalarKind.Null;
        }

        if (True.Contains(text) || False.Contains(text))
        {
            return ScalarKind.Boolean;
        }

        if (IntegerPattern().IsMatch(text))
        {
            return ScalarKind.WholeNumber;
        }

        return IsFloat(text) ? ScalarKind.RealNumber : ScalarKind.Text;
    }

    // The 1.1 float pattern also matches a lone "." or "-."; those are strings.
    private static bool IsFloat(string text) =>
        FloatPattern().IsMatch(text) && (text.Any(char.IsAsciiDigit) || text.Contains('n', StringComparison.OrdinalIgnoreCase));

    public static bool IsTrue(string text) => True.Contains(text);

    /// <summary>An integer scalar written in decimal (<c>0x400000000</c> → <c>17179869184</c>), or null when out of reach.</summary>
    public static string? IntegerToDecimal(string text)
    {
        var s = text.Replace("_", "", StringComparison.Ordinal);
        var negative = s.StartsWith('-');
        if (s.StartsWith('-') || s.StartsWith('+'))
        {
            s = s[1..];
        }

        // Kraftfile numbers are short; a thousand-digit "integer" is kept as written rather than parsed.
        if (s.Length > 64 || s.Contains(':', StringComparison.Ordinal))
        {
            return null;
        }

        BigInteger value;
        if (s.StartsWith("0x", StringComparison.Ordinal))
        {
            value = BigInteger.Parse("0" + s[2..], NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture);
        }
        else if (s.StartsWith("0b", StringComparison.Ordinal))
        {
            value = ParseDigits(s[2..], 2);
        }
        else if (s.Length > 1 && s[0] == '0')
        {
            value = ParseDigits(s[1..], 8);
        }
        else
        {
            value = BigInteger.Parse(s, NumberStyles.None, CultureInfo.InvariantCulture);
        }

        return (negative ? -value : value).ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>A float scalar in the shortest form that reads back the same (<c>0.50</c> → <c>0.5</c>).</summary>
    public static string FloatToText(string text)
    {
        var s = text.Replace("_", "", StringComparison.Ordinal);
        return double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)
            ? d.ToString("R", CultureInfo.InvariantCulture)
            : text;
    }

    private static BigInteger ParseDigits(string digits, int radix)
    {
        var value = BigInteger.Zero;
        foreach (var c in digits)
        {
            value = (value * radix) + (c - '0');
        }

        return value;
    }

    [GeneratedRegex(@"^[-+]?(0b[01_]+|0[0-7_]+|0x[0-9a-fA-F_]+|0|[1-9][0-9_]*(:[0-5]?[0-9])*)$", RegexOptions.CultureInvariant)]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^([-+]?([0-9][0-9_]*)?\.[0-9_]*([eE][-+]?[0-9]+)?|[-+]?[0-9][0-9_]*[eE][-+]?[0-9]+|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN))$", RegexOptions.CultureInvariant)]
    private static partial Regex FloatPattern();
}
