using Farm.Core.Diagnostics;
using Farm.Core.Yaml;

namespace Farm.Core.Kraftfiles;

/// <summary>What every section reader shares: the diagnostics of the file and typed access to its nodes.</summary>
internal sealed class ReadContext
{
    public ReadContext(DiagnosticBag diagnostics, string directory)
    {
        Diagnostics = diagnostics;
        Directory = directory;
    }

    public DiagnosticBag Diagnostics { get; }

    /// <summary>The Kraftfile's directory: relative sources and rootfs paths are resolved against it.</summary>
    public string Directory { get; }

    public static string Child(string parent, string key) => parent.Length == 0 ? key : $"{parent}.{key}";

    public static string Item(string parent, int index) => $"{parent}[{index}]";

    public void Error(YamlNode at, string field, string message) => Diagnostics.Error(at.Start, field, message);

    public void Warning(YamlNode at, string field, string message) => Diagnostics.Warning(at.Start, field, message);

    /// <summary>A scalar as text (numbers as written); anything else is an error naming what was expected.</summary>
    public string? Text(YamlNode node, string field, string expected)
    {
        if (node is YamlScalar { IsNull: false } scalar)
        {
            return scalar.Text;
        }

        Error(node, field, $"expected {expected}, found {node.KindName}");
        return null;
    }

    public YamlMapping? Map(YamlNode node, string field, string expected)
    {
        if (node is YamlMapping map)
        {
            return map;
        }

        Error(node, field, $"expected {expected}, found {node.KindName}");
        return null;
    }

    /// <summary>
    /// The entries of a map with string keys, a repeated key reduced to its last value (as kraft's YAML library
    /// does) at the position of its first occurrence. Non-string keys are errors: kraft refuses them.
    /// </summary>
    public IReadOnlyList<MapEntry> Entries(YamlMapping map, string field)
    {
        var result = new List<MapEntry>();
        var seen = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var (key, value) in map.Entries)
        {
            if (key.Kind is not ScalarKind.Text)
            {
                Error(key, Child(field, key.Text), $"a key must be a string, but '{key.Text}' reads as {Describe(key.Kind)} in YAML 1.1; quote it");
                continue;
            }

            if (seen.TryGetValue(key.Text, out var index))
            {
                Warning(key, Child(field, key.Text), $"duplicate key (first on line {result[index].Key.Start.Line}); the later value wins, as in kraft");
                result[index] = result[index] with { Value = value };
                continue;
            }

            seen[key.Text] = result.Count;
            result.Add(new MapEntry(key.Text, key, value));
        }

        return result;
    }

    /// <summary>Warns about keys kraft would silently ignore, suggesting the nearest known key.</summary>
    public void WarnUnknownKeys(IEnumerable<MapEntry> entries, string field, IReadOnlyCollection<string> known, string where)
    {
        foreach (var entry in entries)
        {
            if (known.Contains(entry.Name) || entry.Name.StartsWith("x-", StringComparison.Ordinal))
            {
                continue;
            }

            var hint = NearestWord.Find(entry.Name, known) is { } near ? $"did you mean '{near}'? " : "";
            Warning(entry.Key, Child(field, entry.Name), $"unknown key in {where}, ignored by kraft; {hint}known keys: {string.Join(", ", known)}");
        }
    }

    private static string Describe(ScalarKind kind) => kind switch
    {
        ScalarKind.Boolean => "a boolean",
        ScalarKind.Null => "null",
        _ => "a number",
    };
}

internal sealed record MapEntry(string Name, YamlScalar Key, YamlNode Value);
